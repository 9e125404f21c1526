import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id';
import { redactUrl } from './redact-url';

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's X-Request-Id when sane, else a new one. */
    id: string;
    /** A logger bound to this request's id. */
    log: Logger;
  }
}

const CHILD = Symbol('request logger');

/**
 * One log line per request (method, redacted URL, status, time) with the request id, and a
 * request-bound logger for handlers. The line is built only when its level is on: nothing is
 * serialised for a line nobody reads. Headers and bodies are never logged.
 *
 * `req.log` is a getter on the app's request prototype, not a property defined per request:
 * `Object.defineProperty` on each request turned every request object into a slow,
 * dictionary-mode object for the rest of its route (measured: about a quarter of the token
 * route's throughput on Node 24). The child logger is made only when a handler uses it.
 */
export function requestLogger(logger: Logger, requestPrototype: Request): RequestHandler {
  Object.defineProperty(requestPrototype, 'log', {
    configurable: true,
    get(this: Request & { [CHILD]?: Logger }) {
      return (this[CHILD] ??= logger.child({ reqId: this.id }));
    },
  });
  return (req, res, next) => {
    const id = requestIdOf(req);
    const started = performance.now();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    if (!QUIET_PATHS.has(req.path)) {
      res.once('finish', () => {
        const level = res.statusCode >= 500 ? 'error' : 'info';
        if (!logger.isLevelEnabled(level)) return;
        logger[level](
          {
            reqId: id,
            req: { method: req.method, url: redactUrl(req.originalUrl) },
            res: { statusCode: res.statusCode },
            responseTime: Math.round(performance.now() - started),
          },
          'request completed',
        );
      });
    }
    next();
  };
}
