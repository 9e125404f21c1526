import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestIdOf } from '../http/request-id';
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

/**
 * One log line per request (method, redacted URL, status, time) with the request id, and a
 * request-bound logger for handlers. The child logger is made only when a handler uses it, and
 * the line is built only when its level is on: nothing is serialised for a line nobody reads.
 * Headers and bodies are never logged.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req);
    const started = performance.now();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      get: () => (child ??= logger.child({ reqId: id })),
    });
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
