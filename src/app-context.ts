import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { originOf, type Config } from './config';
import { corsFor } from './http/cors';
import { createRateLimiters, type RateLimiters } from './http/rate-limits';
import { createMetrics, type Metrics } from './ops/metrics';
import {
  sessionMiddleware,
  SessionStore,
  type SessionReadHook,
} from './session/express-session-adapter';
import { SessionIndex, type SessionEndHook } from './session/session-index';
import { csrfGuard } from './session/csrf-guard';
import { liveUserIdOf } from './session/session-data';
import { enforceLifetime, rejectDeadCredential } from './session/session-layer';
import type { SessionLifecycleDeps, SessionTouchHook } from './session/session-lifecycle';
import type { Kv } from './store/kv';
import { SealedBox } from './store/sealed-box';
import type { Provider } from './providers';

/** A provider's part of GET /session: its name and what the session's link looks like. */
export type ProviderView = (req: Request) => Promise<[name: string, view: unknown]>;

/** What every area of the service shares; areas add their hooks and views as they mount. */
export interface AppContext {
  config: Config;
  kv: Kv;
  logger: Logger;
  now: () => number;
  metrics: Metrics;
  /** One keep-alive pool per upstream origin, for token endpoints and proxies alike. */
  upstreams: Agent;
  box: SealedBox;
  sessionStore: SessionStore;
  lifecycle: SessionLifecycleDeps;
  /** CORS, credential hand-over, express-session, lifetimes: before any session-bound route. */
  sessionChain: RequestHandler[];
  /** The guards of a session-bound JSON route: a dead credential refused, then CSRF. */
  guards: RequestHandler[];
  rejectDeadCredential: RequestHandler;
  csrf: RequestHandler;
  /** Every rate limit, counted in the store (so shared by all instances); areas mount them. */
  rateLimits: RateLimiters;
  /**
   * What ends or is kept alive with a session; provider areas add their grant links, and the
   * reads their proxies start alongside the session's.
   */
  sessionHooks: {
    onEnd: SessionEndHook[];
    onTouch: SessionTouchHook[];
    beforeRead: SessionReadHook[];
  };
  providerViews: ProviderView[];
  /** Every provider, in the app's order (src/app.ts names them, once). */
  providers: readonly Provider[];
  /** Providers whose sign-ins name users `<provider>:<id>` (so no app id may look like one). */
  signInProviders: readonly string[];
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

export function createAppContext(
  config: Config,
  kv: Kv,
  logger: Logger,
  now: () => number,
  providers: readonly Provider[],
): AppContext {
  const signInProviders = providers.filter((p) => p.signsIn).map((p) => p.name);
  const metrics = createMetrics();
  const sessionHooks: AppContext['sessionHooks'] = { onEnd: [], onTouch: [], beforeRead: [] };
  const providerViews: ProviderView[] = [];
  const sessionStore = new SessionStore(kv, config.session.ttlSeconds);
  const index = new SessionIndex({
    kv,
    store: sessionStore,
    ttlMs: config.session.ttlSeconds * 1000,
    now,
    onEnd: sessionHooks.onEnd,
    onEnded: (reason) => metrics.sessionsEnded.inc({ reason }),
  });
  const lifecycle: SessionLifecycleDeps = {
    config: config.session,
    index,
    now,
    onTouch: sessionHooks.onTouch,
    onLogin: () => metrics.sessionsCreated.inc(),
    signInProviders,
    sessionsPerUser: config.limits.sessionsPerUser,
  };
  const deadCredential = rejectDeadCredential(config.session);
  const csrf = csrfGuard(
    new Set([...config.corsOrigins, originOf(config.publicBaseUrl.href) ?? '']),
  );
  return {
    config,
    kv,
    logger,
    now,
    metrics,
    upstreams: new Agent({
      connect: { timeout: config.limits.upstreamConnectTimeoutMs },
      keepAliveTimeout: config.limits.upstreamKeepAliveMs,
    }),
    box: new SealedBox(config.tokenEncryptionKeys),
    sessionStore,
    lifecycle,
    sessionChain: [
      corsFor(config.corsOrigins),
      ...sessionMiddleware(config.session, sessionStore, sessionHooks.beforeRead),
      enforceLifetime(lifecycle),
    ],
    guards: [deadCredential, csrf],
    rejectDeadCredential: deadCredential,
    csrf,
    rateLimits: createRateLimiters({
      config: config.rateLimits,
      kv,
      logger,
      windowMs: config.limits.rateLimitWindowMs,
      now,
      maxLeases: config.limits.rateLimitLeases,
      userOf: liveUserIdOf,
    }),
    sessionHooks,
    providerViews,
    providers,
    signInProviders,
    describeProviders: async (req) =>
      Object.fromEntries(await Promise.all(providerViews.map((view) => view(req)))),
  };
}
