import { STATUS_CODES } from 'node:http';

/**
 * The one error type of the service: thrown anywhere, rendered as application/problem+json
 * (RFC 9457) by the error handler. `code` is part of the public contract.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? code);
    this.name = 'HttpProblem';
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
}

export function problemBody(problem: HttpProblem): ProblemBody {
  const body: ProblemBody = {
    type: `urn:token-bff:problem:${problem.code}`,
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    code: problem.code,
  };
  if (problem.detail !== undefined) body.detail = problem.detail;
  return body;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
