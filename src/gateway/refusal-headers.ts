import type { ErrorRequestHandler } from 'express';
import type { Limits } from '../config';
import { toProblem } from '../http/error-handler';
import { problemBody } from '../http/http-problem';

// Header values must be visible ASCII: anything else in the JSON travels as a \u escape.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/g;

/**
 * Before the error handler renders a refusal of /auth/<name>: its code in `X-Auth-Error`, and the
 * whole problem+json in `X-Auth-Problem`. A gateway never passes a forward-auth answer's body
 * on (nginx's `auth_request` throws it away), but it can read headers, so this is how the caller
 * still gets the very answer the in-process proxy would have given. Never a credential in it.
 */
export function refusalHeaders(
  limits: Pick<Limits, 'storeRetryAfterSeconds'>,
): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (!res.headersSent) {
      const problem = toProblem(err, limits);
      const json = JSON.stringify(problemBody(problem)).replace(
        NOT_PRINTABLE_ASCII,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      res.setHeader('X-Auth-Error', problem.code);
      res.setHeader('X-Auth-Problem', json);
    }
    next(err);
  };
}
