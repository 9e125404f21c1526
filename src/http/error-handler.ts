import type { ErrorRequestHandler, RequestHandler } from 'express';
import { StoreUnavailableError } from '../store/kv';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody } from './http-problem';
import { bodyProblem, isBodyParserError } from './json-body';

const STORE_RETRY_AFTER_SECONDS = '2';

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpProblem(404, 'not_found', 'No such endpoint.'));
};

/** Maps whatever was thrown to a problem+json answer; unknown errors become a bare 500. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  const problem = toProblem(err);
  if (problem.status >= 500) {
    // Not `code`: that name is redacted everywhere (it is also OAuth's authorization code).
    req.log.error({ err, problem: problem.code }, 'request failed');
  }
  // An error answer commits no session change: express-session neither saves the session nor
  // sends a cookie for one it could not store (it skips both when req.session is null).
  if (req.session) (req as unknown as { session: null }).session = null;
  if (res.headersSent) {
    // The answer is on its way already (a stream failed mid-body): all we can do is cut it.
    next(err);
    return;
  }
  res.status(problem.status);
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(problemBody(problem)));
};

export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof StoreUnavailableError) {
    return new HttpProblem(
      503,
      'store_unavailable',
      'The session store is unavailable; try again shortly.',
      {
        'Retry-After': STORE_RETRY_AFTER_SECONDS,
      },
    );
  }
  if (isBodyParserError(err)) return bodyProblem(err);
  return new HttpProblem(500, 'internal_error', 'Something went wrong on our side.');
}
