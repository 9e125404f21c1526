import type { ErrorRequestHandler, RequestHandler } from 'express';
import { StoreUnavailableError } from '../store/kv';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody } from './http-problem';

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
  const bodyError = bodyParserProblem(err);
  if (bodyError) return bodyError;
  return new HttpProblem(500, 'internal_error', 'Something went wrong on our side.');
}

/** body-parser tags its errors with `type`; each gets its own stable code. */
function bodyParserProblem(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new HttpProblem(413, 'payload_too_large', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(
        415,
        'unsupported_media_type',
        'Unsupported body encoding or charset.',
      );
    case 'request.aborted':
      return new HttpProblem(400, 'request_aborted', 'The request body was cut short.');
    case 'request.size.invalid':
      return new HttpProblem(
        400,
        'invalid_content_length',
        'Content-Length does not match the body.',
      );
    default:
      return undefined;
  }
}
