import type { Express } from 'express';
import type { AppContext } from '../app-context';
import type { Config } from '../config';
import type { SessionEndHook } from '../session/session-index';
import type { SessionTouchHook } from '../session/session-lifecycle';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';
import { proxyRoutes } from '../proxy/proxy-routes';
import { sessionView } from '../session/session-lifecycle';
import { connectionView } from './connection-view';
import { FlowStore } from './flow-store';
import { grantBearer } from './grant-bearer';
import { GrantRefresher } from './grant-refresher';
import { GrantStore } from './grant-store';
import type { OAuthProvider } from './provider';
import { oauthRoutes } from './oauth-routes';
import { tokenEndpointClient, type TokenEndpointClient } from './token-endpoint-client';

/** The grants of provider `name` (the operator's CLI reaches them the same way). */
export function grantStoreOf(name: string, config: Config, kv: Kv, box: SealedBox): GrantStore {
  return new GrantStore(kv, box, {
    namespace: name,
    ttlMs: config.session.ttlSeconds * 1000,
    cacheEntries: config.limits.cacheEntries,
  });
}

/** A session's link to its grant ends with the session, and lives as long as it does. */
export function grantLinkHooks(
  name: string,
  grants: GrantStore,
  now: () => number,
): { onEnd: SessionEndHook; onTouch: SessionTouchHook } {
  return {
    onEnd: async (sessionId, data) => {
      const grantId = data.grants?.[name];
      if (grantId !== undefined) await grants.unlink(grantId, sessionId, now());
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

/** One provider's stores, token endpoint and refresher. */
interface ProviderCore {
  grants: GrantStore;
  flows: FlowStore;
  tokenClient: TokenEndpointClient;
  refresher: GrantRefresher;
}

function providerCore(
  ctx: AppContext,
  provider: OAuthProvider,
  timings: ProviderTimings,
): ProviderCore {
  const { config, kv, now, metrics } = ctx;
  const { limits } = config;
  const label = { provider: provider.name };
  const grants = grantStoreOf(provider.name, config, kv, ctx.box);
  const tokenClient = tokenEndpointClient({
    provider,
    dispatcher: ctx.upstreams,
    timeoutMs: timings.tokenTimeoutMs,
    maxResponseBytes: limits.tokenResponseBytes,
    now,
  });
  return {
    grants,
    flows: new FlowStore(kv, ctx.box, {
      namespace: provider.name,
      ttlMs: timings.stateTtlMs,
      maxOpenPerSession: limits.openFlowsPerSession,
    }),
    tokenClient,
    refresher: new GrantRefresher({
      provider,
      kv,
      grants,
      tokenClient,
      now,
      tokenTimeoutMs: timings.tokenTimeoutMs,
      refreshMarginMs: limits.refreshMarginMs,
      retryAfterSeconds: limits.providerRetryAfterSeconds,
      rejectionCooldownMs: limits.refreshAfterRejectionCooldownMs,
      countRefresh: ctx.rateLimits.countRefresh,
      onRefresh: (outcome) => metrics.refreshes.inc({ ...label, outcome }),
      onWait: () => metrics.refreshWaits.inc(label),
      onGrantRefused: (sessions) =>
        metrics.sessionsEnded.inc({ reason: 'grant_refused' }, sessions),
      log: ctx.logger,
    }),
  };
}

/**
 * Everything one OAuth provider needs, at /<name> (the flow) and /<name>/api (the proxy with
 * the grant's Bearer): its flows, its grants linked to sessions, their single-flight refresh.
 */
export function mountOAuthProvider(
  app: Express,
  ctx: AppContext,
  provider: OAuthProvider,
  timings: ProviderTimings,
): void {
  const { grants, flows, tokenClient, refresher } = providerCore(ctx, provider, timings);
  const links = grantLinkHooks(provider.name, grants, ctx.now);
  ctx.sessionHooks.onEnd.push(links.onEnd);
  ctx.sessionHooks.onTouch.push(links.onTouch);
  ctx.providerViews.push(async (req) => [
    provider.name,
    await connectionView(req, provider, grants),
  ]);

  // Before /<name>: the proxy owns everything under /<name>/api.
  const bearer = grantBearer(provider, grants, refresher, {
    prefix: `/${provider.name}/api`,
    cacheEntries: ctx.config.limits.cacheEntries,
  });
  ctx.sessionHooks.beforeRead.push(bearer.early);
  app.use(
    `/${provider.name}/api`,
    bearer.prefetch,
    proxyRoutes({
      prefix: `/${provider.name}/api`,
      base: provider.apiUrl,
      allowedPaths: provider.apiPaths,
      dispatcher: ctx.upstreams,
      limits: ctx.config.limits,
      // The limit per user after the guards: a request they refuse is not counted, so a forged
      // cross-site call can't spend a user's budget.
      guards: [...ctx.guards, ctx.rateLimits.proxy(provider.name)],
      bearer: bearer.bearer,
    }),
  );
  app.use(
    `/${provider.name}`,
    oauthRoutes({
      provider,
      config: ctx.config,
      flows,
      stateTtlMs: timings.stateTtlMs,
      rateLimits: ctx.rateLimits.oauthFlow(provider.name),
      grants,
      tokenClient,
      sessionStore: ctx.sessionStore,
      lifecycle: ctx.lifecycle,
      now: ctx.now,
      csrf: ctx.csrf,
      rejectDeadCredential: ctx.rejectDeadCredential,
      onGrantReplaced: () => ctx.metrics.grantsReplaced.inc({ provider: provider.name }),
      sessionView: (req) => sessionView(req, ctx.describeProviders),
    }),
  );
}
