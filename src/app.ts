import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { originOf, type Config } from './config';
import { corsFor } from './http/cors';
import { csrfGuard } from './http/csrf-guard';
import { errorHandler, notFound } from './http/error-handler';
import { liveLikeRoutes } from './livelike/livelike-routes';
import { httpLogger } from './log/http-logger';
import { createMetrics, type Metrics } from './ops/metrics';
import { opsRoutes } from './ops/ops-routes';
import { GuardedSessionStore } from './session/guarded-session-store';
import { rejectDeadCredential, sessionLayer } from './session/session-layer';
import { sessionRoutes } from './session/session-routes';
import { createAppTokenVerifier } from './session/verify-app-token';
import type { Kv } from './store/kv';

export interface AppDeps {
  config: Config;
  kv: Kv;
  logger: Logger;
  /** Milliseconds since the epoch; tests move it instead of sleeping. */
  now?: () => number;
}

export interface App {
  app: Express;
  metrics: Metrics;
}

/** Assembles the service from its config and dependencies, in request order. */
export function createApp({ config, kv, logger, now = Date.now }: AppDeps): App {
  const metrics = createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy ?? false);
  app.set('etag', false);

  app.use(httpLogger(logger));
  app.use(helmet());
  app.use(metrics.timeRequests);
  app.use(opsRoutes({ kv, metrics }));

  const store = new GuardedSessionStore(kv, config.session.ttlSeconds);
  const onSessionEnd = async (_sessionId: string) => {};
  const session: RequestHandler[] = [
    corsFor(config.corsOrigins),
    ...sessionLayer({ config, store, now, onSessionEnd }),
  ];
  const ownOrigins = new Set([...config.corsOrigins, originOf(config.publicBaseUrl.href) ?? '']);
  const csrf = csrfGuard(ownOrigins);
  const deadCredential = rejectDeadCredential(
    config.session.cookieName,
    config.session.secureCookie,
  );

  app.use(
    '/session',
    session,
    sessionRoutes({
      config,
      now,
      csrf,
      rejectDeadCredential: deadCredential,
      verifyAppToken:
        config.appJwt && createAppTokenVerifier(config.appJwt, config.limits.jwksTimeoutMs),
      onSessionEnd,
      onSessionStart: () => metrics.sessionsCreated.inc(),
      describeProviders: async () => ({
        likecoin: { connected: false, user: null, displayName: null, avatar: null, scopes: [] },
      }),
    }),
  );
  app.use(
    '/livelike',
    session,
    liveLikeRoutes({
      livelike: config.livelike,
      now,
      guards: [deadCredential, csrf],
      onTokenMinted: () => metrics.tokensMinted.inc(),
    }),
  );

  app.use(notFound);
  app.use(errorHandler);
  return { app, metrics };
}
