import express, { type Express, type Request, type RequestHandler } from 'express';
import { Agent } from 'undici';
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
import { sessionRoutes, sessionView } from './session/session-routes';
import { likeCoinConnectionView } from './likecoin/connection-view';
import { FlowStore } from './likecoin/flow-store';
import { likeCoinRoutes } from './likecoin/likecoin-routes';
import { tokenEndpointClient } from './likecoin/token-endpoint-client';
import { TokenSetStore } from './likecoin/token-set-store';
import { SealedBox } from './store/sealed-box';
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
  /** Closes outbound connection pools (the store is the caller's to close). */
  close(): Promise<void>;
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

  const box = new SealedBox(config.tokenEncryptionKeys);
  const tokenSets = new TokenSetStore(kv, box, config.session.maxAgeSeconds * 1000);
  const flows = new FlowStore(kv, box, config.likecoin.stateTtlSeconds * 1000);
  const upstreams = new Agent({
    connect: { timeout: config.limits.upstreamConnectTimeoutMs },
    keepAliveTimeout: 10_000,
  });
  const likecoinCredentials = config.likecoin.credentials;
  const tokenClient =
    likecoinCredentials &&
    tokenEndpointClient({
      tokenUrl: config.likecoin.tokenUrl,
      ...likecoinCredentials,
      dispatcher: upstreams,
      timeoutMs: config.likecoin.timeoutMs,
      now,
    });

  const store = new GuardedSessionStore(kv, config.session.ttlSeconds);
  // Whatever else belongs to a session goes with it.
  const onSessionEnd = (sessionId: string) => tokenSets.forget(sessionId);
  const describeProviders = async (req: Request) => ({
    likecoin: await likeCoinConnectionView(req, tokenSets),
  });
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
      describeProviders,
    }),
  );
  app.use(
    '/likecoin',
    session,
    likeCoinRoutes({
      config,
      flows,
      tokenSets,
      tokenClient,
      redirectUri: config.likecoin.redirectUri,
      now,
      csrf,
      rejectDeadCredential: deadCredential,
      onSessionEnd,
      onSignIn: () => metrics.sessionsCreated.inc(),
      sessionView: (req) => sessionView(req, describeProviders),
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
  return { app, metrics, close: () => upstreams.close() };
}
