import { STATUS_CODES } from 'node:http';
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { problemBody, type HttpProblem, type ProblemBody } from '../http/http-problem';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** One documented error status of an operation: its answer, and the codes it stands for. */
export interface ProblemResponse {
  response: ResponseConfig;
  codes: string[];
}

/**
 * An operation's possible problems, one response per status: each lists its codes (in the
 * description; GET /openapi.json adds them as `x-problem-codes`), an example per code written
 * by the catalogue's own factory, and the headers those problems carry.
 */
export function problemResponses(
  list: readonly HttpProblem[],
  schema: z.ZodType,
  examples: ProblemExamples,
): Record<string, ProblemResponse> {
  const byStatus = new Map<number, Map<string, HttpProblem>>();
  for (const problem of list) {
    const codes = byStatus.get(problem.status) ?? new Map<string, HttpProblem>();
    if (!codes.has(problem.code)) codes.set(problem.code, problem);
    byStatus.set(problem.status, codes);
  }
  const out: Record<string, ProblemResponse> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const found = [...(byStatus.get(status)?.values() ?? [])];
    const codes = found.map((p) => p.code);
    const headerNames = [...new Set(found.flatMap((p) => Object.keys(p.headers)))];
    out[String(status)] = {
      codes,
      response: {
        description: `${STATUS_CODES[status] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
        ...(headerNames.length > 0 && {
          headers: Object.fromEntries(
            headerNames.map((name) => [
              name,
              {
                description: HEADER_DESCRIPTIONS[name] ?? name,
                schema: { type: 'string' as const },
              },
            ]),
          ),
        }),
        content: {
          [PROBLEM_MEDIA_TYPE]: {
            schema,
            examples: Object.fromEntries(
              found.map((p) => [p.code, { $ref: `#/components/examples/${examples.keyOf(p)}` }]),
            ),
          },
        },
      },
    };
  }
  return out;
}

/**
 * The document's problem examples (components/examples), one per code and detail: operations
 * refer to them, so the many operations that share a problem share its example.
 */
export class ProblemExamples {
  private readonly byKey = new Map<string, { summary: string; value: ProblemBody }>();

  keyOf(problem: HttpProblem): string {
    const value = problemBody(problem);
    for (let n = 1; ; n++) {
      const key = n === 1 ? problem.code : `${problem.code}_${n}`;
      const known = this.byKey.get(key);
      if (!known) {
        this.byKey.set(key, { summary: problem.detail ?? problem.code, value });
        return key;
      }
      if (known.value.detail === value.detail) return key;
    }
  }

  entries(): [string, { summary: string; value: ProblemBody }][] {
    return [...this.byKey];
  }
}

const HEADER_DESCRIPTIONS: Record<string, string> = {
  'Retry-After': 'Seconds to wait before trying again.',
  'WWW-Authenticate': 'RFC 6750: the bearer session token is not valid.',
};
