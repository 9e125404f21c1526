import type { z } from 'zod';
import type { HttpProblem } from './http-problem';
import { objectBody } from './json-body';
import { problems } from './problems';

/** How a refused field is answered, by name; any other refusal is 400 invalid_request. */
export type FieldProblems = Readonly<Partial<Record<string, (detail: string) => HttpProblem>>>;

/**
 * `value` as `schema` reads it, or the problem its first refused field calls for, with the
 * schema's own message as the detail: the schema that documents an input (GET /openapi.json)
 * is the one that checks it.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  fields: FieldProblems = {},
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path[0];
  const refuse = (typeof field === 'string' && fields[field]) || problems.invalidRequest;
  throw refuse(issue?.message ?? 'The request is not valid.');
}

/** A JSON object body (else 400 invalid_request, as objectBody says) read by `schema`. */
export function parseBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  fields: FieldProblems = {},
): z.output<S> {
  return parseInput(schema, objectBody(body), fields);
}
