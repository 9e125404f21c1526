import type { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { problems as P } from '../http/problems';
import { HTML_PROBLEM_PAGE, type Operation } from './operation-parts';
import { ProblemExamples, problemResponses } from './problem-responses';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

type ProblemResponses = ReturnType<typeof problemResponses>;

/**
 * Registers operations with their problem responses (and the codes in the description), and
 * remembers what the finished document still needs: the shared examples, and each error
 * response's codes for `x-problem-codes`.
 */
export function createPathRegistrar(registry: OpenAPIRegistry, problemSchema: z.ZodType) {
  const examples = new ProblemExamples();
  const problemCodes = new Map<string, ProblemResponses>();
  const register = (op: Operation) => {
    const found = [...op.problems, P.internalError()];
    const errors = problemResponses(found, problemSchema, examples);
    const codes = [...new Set(found.map((p) => p.code))];
    const { problems: _problems, htmlProblems, ...route } = op;
    registry.registerPath({
      ...route,
      description:
        `${op.description ?? ''}\n\nProblem codes: ${codes.map((c) => `\`${c}\``).join(', ')}.`.trim(),
      responses: {
        ...op.responses,
        ...Object.fromEntries(
          Object.entries(errors).map(([s, { response }]) => [
            s,
            htmlProblems
              ? { ...response, content: { ...response.content, 'text/html': HTML_PROBLEM_PAGE } }
              : response,
          ]),
        ),
      },
    });
    problemCodes.set(`${op.method} ${op.path}`, errors);
  };
  const registerExamples = () => {
    for (const [key, example] of examples.entries()) {
      registry.registerComponent('examples', key, example);
    }
  };
  const addProblemCodes = (document: OpenApiDocument) => addCodes(document, problemCodes);
  return { register, registerExamples, addProblemCodes };
}

/** `x-problem-codes` on each error response (zod-to-openapi has no field for extensions). */
function addCodes(document: OpenApiDocument, byOperation: Map<string, ProblemResponses>): void {
  for (const [key, errors] of byOperation) {
    const [method, route] = key.split(' ') as [string, string];
    const operation = document.paths?.[route]?.[method as 'get'];
    for (const [status, { codes }] of Object.entries(errors)) {
      const response = operation?.responses?.[status] as Record<string, unknown> | undefined;
      if (response) response['x-problem-codes'] = codes;
    }
  }
}
