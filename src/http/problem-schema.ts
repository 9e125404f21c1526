import { z } from 'zod';

/**
 * The body of every error answer (RFC 9457 problem+json), as problemBody() writes it. GET
 * /openapi.json narrows `code` to the catalogue's codes (src/http/problems.ts).
 */
export const ProblemBodySchema = z.strictObject({
  type: z.string().meta({ example: 'urn:token-bff:problem:not_authenticated' }),
  title: z.string().meta({ description: 'The HTTP reason phrase.', example: 'Unauthorized' }),
  status: z.int().min(400).max(599).meta({ example: 401 }),
  detail: z.string().optional().meta({ example: 'Sign in first.' }),
  code: z.string().meta({
    description: 'Stable, snake_case: what a client branches on.',
    example: 'not_authenticated',
  }),
});
