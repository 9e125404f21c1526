import type { Express, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { requestLogger } from '../log/request-logger';
import type { ErrorAnswerHook } from './before-error-answer';
import { errorHandler, notFound } from './error-handler';
import { originFormOnly } from './origin-form-only';
import { securityHeaders } from './security-headers';
import { wellFormedPath } from './well-formed-path';

/**
 * What every request goes through first: its id and log line, its target form, our headers.
 * `browserHeaders: false` leaves out helmet's, for a listener no browser ever reads (the
 * internal one: the gateway puts its own on what it answers, deploy/nginx's service-headers).
 */
export function mountRequestBasics(
  app: Express,
  ctx: { config: Config; logger: Logger; metrics: { timeRequests: RequestHandler } },
  { browserHeaders = true }: { browserHeaders?: boolean } = {},
): void {
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy ?? false);
  app.set('etag', false);
  app.use(requestLogger(ctx.logger, app.request));
  app.use(originFormOnly);
  if (browserHeaders) app.use(securityHeaders());
  app.use(ctx.metrics.timeRequests);
  // After our headers and the timer: a malformed path still gets both.
  app.use(wellFormedPath);
}

/** Last: a path nothing answered is a 404, and every error leaves as problem+json. */
export function mountErrors(
  app: Express,
  ctx: { config: Config; beforeErrorAnswer: readonly ErrorAnswerHook[] },
): void {
  app.use(notFound);
  app.use(errorHandler(ctx.config.limits, ctx.beforeErrorAnswer));
}
