import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { originOf, type Config } from './config';
import { consoleRoutes } from './console/console-routes';
import { corsFor } from './http/cors';
import { csrfGuard } from './http/csrf-guard';
import { errorHandler, notFound } from './http/error-handler';
import { originFormOnly } from './http/origin-form-only';
import { securityHeaders } from './http/security-headers';
import { likeCoinConnectionView } from './likecoin/connection-view';
import { FlowStore } from './likecoin/flow-store';
import { likeCoinNotConfigured, likeCoinRoutes } from './likecoin/likecoin-routes';
import { tokenEndpointClient } from './likecoin/token-endpoint-client';
import { TokenRefresher } from './likecoin/token-refresher';
import { TokenSetStore } from './likecoin/token-set-store';
import { liveLikeNotConfigured, liveLikeRoutes } from './livelike/livelike-routes';
import { createProfileTokenMinter } from './livelike/mint-profile-token';
import { ProfileTokenCache } from './livelike/profile-token-cache';
import { requestLogger } from './log/request-logger';
import { createMetrics, type Metrics } from './ops/metrics';
import { opsRoutes } from './ops/ops-routes';
import { proxyRoutes } from './proxy/proxy-routes';
import { GuardedSessionStore } from './session/guarded-session-store';
import { requireUser } from './session/require-user';
import { rejectDeadCredential, sessionLayer } from './session/session-layer';
import { sessionView } from './session/session-lifecycle';
import { sessionRoutes } from './session/session-routes';
import { createAppTokenVerifier } from './session/verify-app-token';
import type { Kv } from './store/kv';
import { SealedBox } from './store/sealed-box';

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
  // One keep-alive pool per upstream origin, shared by the token endpoint and the proxies.
  const upstreams = new Agent({
    connect: { timeout: config.limits.upstreamConnectTimeoutMs },
    keepAliveTimeout: 10_000,
  });

  // Stores
  const box = new SealedBox(config.tokenEncryptionKeys);
  const tokenSets = new TokenSetStore(kv, box, config.session.maxAgeSeconds * 1000);
  const flows = new FlowStore(kv, box, config.likecoin.stateTtlSeconds * 1000);
  const sessionStore = new GuardedSessionStore(kv, config.session.ttlSeconds);

  // Providers
  const liveLike = config.livelike.credentials;
  const mint =
    liveLike &&
    createProfileTokenMinter({ ...liveLike, ttlSeconds: config.livelike.tokenTtlSeconds, now });
  const likeCoin = config.likecoin.credentials;
  const tokenClient =
    likeCoin &&
    tokenEndpointClient({
      tokenUrl: config.likecoin.tokenUrl,
      ...likeCoin,
      dispatcher: upstreams,
      timeoutMs: config.likecoin.timeoutMs,
      now,
    });
  const refresher =
    tokenClient &&
    new TokenRefresher({
      kv,
      tokenSets,
      tokenClient,
      now,
      tokenTimeoutMs: config.likecoin.timeoutMs,
    });

  // Sessions: whatever else belongs to a session goes with it.
  const onSessionEnd = (sessionId: string) => tokenSets.forget(sessionId);
  const describeProviders = async (req: Request) => ({
    likecoin: await likeCoinConnectionView(req, tokenClient && tokenSets),
  });
  const session: RequestHandler[] = [
    corsFor(config.corsOrigins),
    ...sessionLayer({ config, store: sessionStore, now, onSessionEnd }),
  ];
  const csrf = csrfGuard(
    new Set([...config.corsOrigins, originOf(config.publicBaseUrl.href) ?? '']),
  );
  const deadCredential = rejectDeadCredential(config.session);
  const proxyDefaults = {
    dispatcher: upstreams,
    timeouts: {
      firstByteMs: config.limits.upstreamFirstByteMs,
      idleMs: config.limits.upstreamIdleMs,
    },
    bodyLimitBytes: config.limits.proxyBodyBytes,
    guards: [deadCredential, csrf],
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy ?? false);
  app.set('etag', false);
  app.use(requestLogger(logger));
  app.use(originFormOnly);
  app.use(securityHeaders());
  app.use(metrics.timeRequests);
  app.use(opsRoutes({ kv, metrics }));
  app.use('/console', consoleRoutes(config.console));

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

  if (mint) {
    const profileTokens = new ProfileTokenCache(mint, now);
    app.use(
      '/livelike/api',
      session,
      proxyRoutes({
        ...proxyDefaults,
        prefix: '/livelike/api',
        base: config.livelike.apiUrl,
        bearer: async (req) => ({ token: await profileTokens.tokenFor(requireUser(req).id) }),
      }),
    );
  } else {
    app.use('/livelike/api', liveLikeNotConfigured);
  }
  app.use(
    '/livelike',
    session,
    liveLikeRoutes({
      mint,
      guards: [deadCredential, csrf],
      onTokenMinted: () => metrics.tokensMinted.inc(),
    }),
  );

  if (refresher) {
    app.use(
      '/likecoin/api',
      session,
      proxyRoutes({
        ...proxyDefaults,
        prefix: '/likecoin/api',
        base: config.likecoin.apiUrl,
        bearer: async (req) => {
          requireUser(req);
          const set = await refresher.usable(req.sessionID);
          return {
            token: set.accessToken,
            renew: async () =>
              (await refresher.afterRejection(req.sessionID, set.accessToken)).accessToken,
          };
        },
      }),
    );
  } else {
    app.use('/likecoin/api', likeCoinNotConfigured);
  }
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

  app.use(notFound);
  app.use(errorHandler);
  return { app, metrics, close: () => upstreams.close() };
}
