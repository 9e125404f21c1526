import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { RateLimiters } from '../http/rate-limits';
import type { AuditLog } from '../log/audit';
import type { Metrics } from '../ops/metrics';
import { labelRoute } from '../ops/route-labels';
import type { SessionReadHook, SessionStore } from '../session/express-session-adapter';
import type { SessionLifecycleDeps } from '../session/session-lifecycle';
import { proxyRoutes } from '../proxy/proxy-routes';
import type { SessionEndHook } from '../session/session-index';
import type { SessionTouchHook } from '../session/session-lifecycle';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';
import { connectionView } from './connection-view';
import { FlowStore } from './flow-store';
import { grantBearer, type GrantBearer } from './grant-bearer';
import { GrantRefresher } from './grant-refresher';
import { GrantStore } from './grant-store';
import type { OAuthProvider } from './provider';
import { oauthRoutes } from './oauth-routes';
import { tokenEndpointClient, type TokenEndpointClient } from './token-endpoint-client';

/** What a provider's store-level part is opened on (src/area/provider.ts's StoreDeps). */
export interface OAuthStoreDeps {
  config: Config;
  kv: Kv;
  box: SealedBox;
  now: () => number;
  /** Grants connected, refused and forgotten are security events. */
  audit: AuditLog;
}

/** What its routes are built on: the service's shared parts (src/area/provider.ts's AreaDeps). */
export interface OAuthAreaDeps {
  config: Config;
  logger: Logger;
  now: () => number;
  metrics: Pick<Metrics, 'refreshes' | 'refreshWaits' | 'sessionsEnded' | 'grantsReplaced'>;
  upstreams: Dispatcher;
  rateLimits: Pick<RateLimiters, 'countRefresh' | 'proxy' | 'oauthFlow'>;
  sessionStore: SessionStore;
  lifecycle: SessionLifecycleDeps;
  guards: RequestHandler[];
  rejectDeadCredential: RequestHandler;
  csrf: RequestHandler;
  sessionView: (req: Request) => Promise<Record<string, unknown>>;
}

/**
 * An OAuth provider's store-level part: its grants and what hangs on sessions (structurally a
 * src/area/provider.ts ProviderStore; the provider folders hand it on as one).
 */
export interface OAuthProviderStore {
  onEnd: SessionEndHook;
  onTouch: SessionTouchHook;
  view: (req: Request) => Promise<unknown>;
  revokeGrant: GrantRevoker;
  area(deps: OAuthAreaDeps): { beforeRead: SessionReadHook; mount(app: Express): void };
}

export type GrantRevoker = (
  subject: string,
) => Promise<{ existed: boolean; linkedSessions: number }>;

/** The grants of provider `name`. */
function grantStoreOf(name: string, config: Config, kv: Kv, box: SealedBox): GrantStore {
  return new GrantStore(kv, box, {
    namespace: name,
    ttlMs: config.session.ttlSeconds * 1000,
    cacheEntries: config.limits.cacheEntries,
  });
}

/** A session's link to its grant ends with the session, and lives as long as it does. */
function grantLinkHooks(
  name: string,
  grants: GrantStore,
  { now, audit }: Pick<OAuthStoreDeps, 'now' | 'audit'>,
): { onEnd: SessionEndHook; onTouch: SessionTouchHook } {
  return {
    onEnd: async (sessionId, data) => {
      const grantId = data.grants?.[name];
      if (grantId === undefined || !(await grants.unlink(grantId, sessionId, now()))) return;
      // The last session linked to it ended: the grant went with it.
      audit.grantForgotten({
        userId: data.user?.id,
        device: data.device?.handle,
        provider: name,
        grant: grantId,
        reason: 'last_session',
      });
    },
    onTouch: async (sessionId, data, lapsesAt) => {
      const grantId = data.grants?.[name];
      if (grantId !== undefined) await grants.touch(grantId, sessionId, lapsesAt);
    },
  };
}

export interface ProviderTimings {
  /** The token endpoint's whole call. */
  tokenTimeoutMs: number;
  /** How long a started flow may take. */
  stateTtlMs: number;
}

/**
 * One OAuth provider, opened on the store: its grants, linked to sessions (a session's link
 * ends and lives with it), what GET /session shows of them, and the operator's revocation.
 * Its routes (`area`) come once the whole session layer is known: the flow at /<name>, and the
 * proxy with the grant's Bearer at /<name>/api, with their single-flight refresh.
 */
export function openOAuthProvider(
  core: OAuthStoreDeps,
  provider: OAuthProvider,
  timings: ProviderTimings,
): OAuthProviderStore {
  const { config, kv, box } = core;
  const grants = grantStoreOf(provider.name, config, kv, box);
  return {
    ...grantLinkHooks(provider.name, grants, core),
    view: (req) => connectionView(req, provider, grants),
    revokeGrant: grantRevoker(provider.name, grants, core.audit),
    area: (deps) => oauthArea(deps, core, provider, grants, timings),
  };
}

/**
 * The grants of a provider the service is not configured for: none can be made, but an
 * operator can still revoke those made while it was.
 */
export function revokeOnly(core: OAuthStoreDeps, name: string): GrantRevoker {
  return grantRevoker(name, grantStoreOf(name, core.config, core.kv, core.box), core.audit);
}

function grantRevoker(name: string, grants: GrantStore, audit: AuditLog): GrantRevoker {
  return async (subject) => {
    const grantId = grants.idOf(subject);
    const linked = await grants.linkedSessions(grantId);
    const existed = (await grants.read(grantId)) !== undefined;
    await grants.forget(grantId);
    if (existed) {
      audit.grantForgotten({ provider: name, grant: grantId, subject, reason: 'operator' });
    }
    return { existed, linkedSessions: linked.length };
  };
}

/** What one provider's routes run on: its token endpoint, refresher, flows and Bearer source. */
interface OAuthRuntime {
  provider: OAuthProvider;
  grants: GrantStore;
  tokenClient: TokenEndpointClient;
  flows: FlowStore;
  bearer: GrantBearer;
  timings: ProviderTimings;
}

function oauthArea(
  deps: OAuthAreaDeps,
  { kv, box, audit }: Pick<OAuthStoreDeps, 'kv' | 'box' | 'audit'>,
  provider: OAuthProvider,
  grants: GrantStore,
  timings: ProviderTimings,
): ReturnType<OAuthProviderStore['area']> {
  const { config, now, metrics } = deps;
  const { limits } = config;
  const label = { provider: provider.name };
  const tokenClient = tokenEndpointClient({
    provider,
    dispatcher: deps.upstreams,
    timeoutMs: timings.tokenTimeoutMs,
    maxResponseBytes: limits.tokenResponseBytes,
    now,
  });
  const refresher = new GrantRefresher({
    provider,
    grants,
    tokenClient,
    now,
    tokenTimeoutMs: timings.tokenTimeoutMs,
    refreshMarginMs: limits.refreshMarginMs,
    retryAfterSeconds: limits.providerRetryAfterSeconds,
    rejectionCooldownMs: limits.refreshAfterRejectionCooldownMs,
    countRefresh: deps.rateLimits.countRefresh,
    onRefresh: (outcome) => metrics.refreshes.inc({ ...label, outcome }),
    onWait: () => metrics.refreshWaits.inc(label),
    // The linked sessions live on (without the grant): no session ended, so nothing is counted
    // in sessions_ended_total; the refusal is in oauth_refreshes_total{outcome="refused"}.
    onGrantRefused: (refused) => {
      const who = { ...refused.by, provider: provider.name, grant: refused.grantId };
      audit.refreshRefused({ ...who, subject: refused.subject, linkedSessions: refused.linked });
      audit.grantForgotten({ ...who, subject: refused.subject, reason: 'grant_refused' });
    },
    log: deps.logger,
  });
  const runtime: OAuthRuntime = {
    provider,
    grants,
    tokenClient,
    flows: new FlowStore(kv, box, {
      namespace: provider.name,
      ttlMs: timings.stateTtlMs,
      maxOpenPerSession: limits.openFlowsPerSession,
    }),
    bearer: grantBearer(provider, grants, refresher, {
      prefix: `/${provider.name}/api`,
      cacheEntries: limits.cacheEntries,
    }),
    timings,
  };
  return {
    beforeRead: runtime.bearer.early,
    mount: (app) => mountOAuth(app, deps, runtime, audit),
  };
}

/** /<name>/api (the proxy with the grant's Bearer), then /<name> (the flow). */
function mountOAuth(app: Express, deps: OAuthAreaDeps, r: OAuthRuntime, audit: AuditLog): void {
  const { provider, bearer } = r;
  const { limits } = deps.config;
  // Before /<name>: the proxy owns everything under /<name>/api.
  app.use(
    `/${provider.name}/api`,
    labelRoute(`/${provider.name}/api/*`),
    bearer.prefetch,
    proxyRoutes({
      prefix: `/${provider.name}/api`,
      base: provider.apiUrl,
      allowedPaths: provider.apiPaths,
      dispatcher: deps.upstreams,
      limits,
      // The limit per user after the guards: a request they refuse is not counted, so a forged
      // cross-site call can't spend a user's budget.
      guards: [...deps.guards, deps.rateLimits.proxy(provider.name)],
      bearer: bearer.bearer,
    }),
  );
  app.use(
    `/${provider.name}`,
    oauthRoutes({
      provider,
      config: deps.config,
      flows: r.flows,
      stateTtlMs: r.timings.stateTtlMs,
      rateLimits: deps.rateLimits.oauthFlow(provider.name),
      grants: r.grants,
      tokenClient: r.tokenClient,
      sessionStore: deps.sessionStore,
      lifecycle: deps.lifecycle,
      now: deps.now,
      csrf: deps.csrf,
      rejectDeadCredential: deps.rejectDeadCredential,
      onGrantReplaced: () => deps.metrics.grantsReplaced.inc({ provider: provider.name }),
      audit,
      sessionView: deps.sessionView,
    }),
  );
}
