import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Limits } from '../config';
import { StoreUnavailableError } from '../store/kv';
import type { ErrorAnswerHook } from './before-error-answer';
import { HTML_CONTENT_TYPE, htmlPageFor, renderHtmlProblem } from './html-problem';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody } from './http-problem';
import { bodyProblem, isBodyParserError } from './json-body';
import { problems } from './problems';
import { malformedPath } from './well-formed-path';

export const notFound: RequestHandler = (_req, _res, next) => {
  next(problems.notFound());
};

/**
 * Maps whatever was thrown to a problem+json answer (a page, for a browser navigating to a route
 * marked with browserNavigation); unknown errors become a bare 500. `beforeAnswer` runs first
 * (the session's changes are dropped so).
 */
export function errorHandler(
  limits: Pick<Limits, 'storeRetryAfterSeconds'>,
  beforeAnswer: readonly ErrorAnswerHook[] = [],
): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const problem = toProblem(err, limits);
    if (problem.status >= 500) {
      // Not `code`: a top-level `code` is redacted (it may be OAuth's authorization code).
      req.log.error({ err, problem: problem.code }, 'request failed');
    }
    for (const hook of beforeAnswer) hook(req);
    if (res.headersSent) {
      // The answer is on its way already (a stream failed mid-body): all we can do is cut it.
      next(err);
      return;
    }
    res.status(problem.status);
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    const page = htmlPageFor(req);
    if (page) {
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Content-Type', HTML_CONTENT_TYPE);
      res.end(renderHtmlProblem(problem, page));
      return;
    }
    res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
    res.end(JSON.stringify(problemBody(problem)));
  };
}

export function toProblem(
  err: unknown,
  limits: Pick<Limits, 'storeRetryAfterSeconds'>,
): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof StoreUnavailableError) {
    return problems.storeUnavailable(limits.storeRetryAfterSeconds);
  }
  if (isBodyParserError(err)) return bodyProblem(err);
  if (isRouterDecodeError(err)) return malformedPath();
  return problems.internalError();
}

/**
 * Express's router throws a URIError marked 400 when a route parameter does not decode: the
 * client's fault. Any other URIError is ours, and stays a 500.
 */
function isRouterDecodeError(err: unknown): boolean {
  return err instanceof URIError && (err as URIError & { status?: unknown }).status === 400;
}
