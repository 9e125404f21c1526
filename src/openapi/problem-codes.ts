import type { HttpProblem } from '../http/http-problem';
import { problems, type ProviderNames } from '../http/problems';

type AnyFactory = (...args: unknown[]) => HttpProblem;

/**
 * Every code the catalogue can produce for these providers: each factory is called (with a
 * provider and placeholder arguments: only the code is kept), so a new factory in problems.ts is
 * in the document's code enum without anyone listing it twice.
 */
export function catalogueCodes(providers: readonly ProviderNames[]): string[] {
  const codes = new Set<string>();
  for (const factory of Object.values(problems) as unknown as AnyFactory[]) {
    for (const provider of providers) codes.add(factory(provider, 'answer', 1).code);
  }
  return [...codes].sort();
}
