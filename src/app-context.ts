import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { originOf, type Config } from './config';
import type { ErrorAnswerHook } from './http/before-error-answer';
import { corsFor } from './http/cors';
import { createRateLimiters, type RateLimiters } from './http/rate-limits';
import { createAuditLog } from './log/audit';
import type { Metrics } from './ops/metrics';
import type { AreaDeps, Provider, ProviderArea } from './area/provider';
import { discardSessionChanges, sessionMiddleware } from './session/express-session-adapter';
import { csrfGuard } from './session/csrf-guard';
import { liveUserIdOf } from './session/session-data';
import { enforceLifetime, rejectDeadCredential } from './session/session-layer';
import { sessionView, type SessionLifecycleDeps } from './session/session-lifecycle';
import type { Kv } from './store/kv';
import { createStoreCore } from './store-core';

/** What the service's areas share, built once from the configuration and the provider list. */
export interface AppContext extends AreaDeps {
  kv: Kv;
  upstreams: Agent;
  /** Every provider, in the app's order (src/app.ts names them, once). */
  providers: readonly Provider[];
  /** Providers whose sign-ins name users `<provider>:<id>` (so no app id may look like one). */
  signInProviders: readonly string[];
  /** Each provider's routes, in the list's order. */
  areas: readonly ProviderArea[];
  /** CORS, credential hand-over, express-session, lifetimes: before any session-bound route. */
  sessionChain: RequestHandler[];
  /** What the error handler undoes before an error answer: the session chain's changes. */
  beforeErrorAnswer: readonly ErrorAnswerHook[];
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

export interface AppContextDeps {
  config: Config;
  kv: Kv;
  logger: Logger;
  now: () => number;
  metrics: Metrics;
  providers: readonly Provider[];
}

/**
 * The store-level core first (each provider's grants and what ends with a session), then the
 * shared parts every area is built on, then each provider's routes, and last the session chain,
 * built once with every read the providers start alongside a session's.
 */
export function createAppContext(deps: AppContextDeps): AppContext {
  const { config, kv, logger, now, metrics, providers } = deps;
  const signInProviders = providers.filter((p) => p.signsIn).map((p) => p.name);
  const audit = createAuditLog(logger);
  const core = createStoreCore({
    config,
    kv,
    now,
    providers,
    audit,
    onEnded: ({ reason }) => metrics.sessionsEnded.inc({ reason }),
  });
  const lifecycle: SessionLifecycleDeps = {
    config: config.session,
    index: core.index,
    now,
    onTouch: core.onTouch,
    // One place for a login's count and its audit line.
    onLogin: (started) => {
      metrics.sessionsCreated.inc();
      audit.sessionStarted(started);
    },
    signInProviders,
    sessionsPerUser: config.limits.sessionsPerUser,
  };
  const { deadCredential, csrf } = guardsOf(config);
  const upstreams = new Agent({
    connect: { timeout: config.limits.upstreamConnectTimeoutMs },
    keepAliveTimeout: config.limits.upstreamKeepAliveMs,
  });
  const shared: AreaDeps = {
    config,
    logger,
    now,
    metrics,
    upstreams,
    rateLimits: rateLimitsOf(deps),
    sessionStore: core.sessionStore,
    lifecycle,
    guards: [deadCredential, csrf],
    rejectDeadCredential: deadCredential,
    csrf,
    sessionView: (req) => sessionView(req, core.describeProviders),
  };
  const areas = core.parts.map(({ store }) => store.area(shared));
  const beforeRead = areas.flatMap((area) => (area.beforeRead ? [area.beforeRead] : []));
  return {
    ...shared,
    kv,
    upstreams,
    providers,
    signInProviders,
    areas,
    sessionChain: [
      corsFor(config.corsOrigins),
      ...sessionMiddleware(config.session, core.sessionStore, beforeRead),
      enforceLifetime(lifecycle),
    ],
    // A request that failed must not save what it changed in its session.
    beforeErrorAnswer: [discardSessionChanges],
    describeProviders: core.describeProviders,
  };
}

/** A session-bound JSON route's guards: a dead credential refused, then CSRF. */
function guardsOf(config: Config): { deadCredential: RequestHandler; csrf: RequestHandler } {
  return {
    deadCredential: rejectDeadCredential(config.session),
    csrf: csrfGuard(new Set([...config.corsOrigins, originOf(config.publicBaseUrl.href) ?? ''])),
  };
}

function rateLimitsOf({ config, kv, logger, now }: AppContextDeps): RateLimiters {
  return createRateLimiters({
    config: config.rateLimits,
    kv,
    logger,
    windowMs: config.limits.rateLimitWindowMs,
    now,
    maxLeases: config.limits.rateLimitLeases,
    userOf: liveUserIdOf,
  });
}
