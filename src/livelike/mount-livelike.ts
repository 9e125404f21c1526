import type { Express } from 'express';
import { problems } from '../http/problems';
import { proxyRoutes } from '../proxy/proxy-routes';
import { labelRoute } from '../ops/route-labels';
import { requireUser } from '../session/require-user';
import type { AreaDeps, Provider } from '../area/provider';
import { liveLikeChecks } from './livelike-checks';
import { registerLiveLikePaths } from './livelike-openapi';
import { liveLikeRoutes } from './livelike-routes';
import { createProfileTokenMinter } from './mint-profile-token';
import { ProfileTokenCache } from './profile-token-cache';

export const LIVELIKE = { name: 'livelike', label: 'LiveLike' } as const;

/** LiveLike: profile tokens minted for the session's user, and its API through the proxy. */
export const liveLike: Provider = {
  ...LIVELIKE,
  summary: 'LiveLike profile tokens and API proxy',
  signsIn: false,
  registerPaths: (ctx) => registerLiveLikePaths(ctx, LIVELIKE),
  doctorChecks: (config) => liveLikeChecks(config.livelike, config.limits.upstreamFirstByteMs),
  // Nothing in the store: its tokens are minted from the session's user, kept in memory.
  open: () => ({ area: (deps) => ({ mount: (app) => mountLiveLike(app, deps) }) }),
};

/** /livelike/token (profile tokens) and /livelike/api (the proxy); 503 when not configured. */
export function mountLiveLike(app: Express, ctx: AreaDeps): void {
  const { config, limits } = { config: ctx.config.livelike, limits: ctx.config.limits };
  if (!config.credentials) {
    app.use('/livelike', () => {
      throw problems.notConfigured(LIVELIKE);
    });
    return;
  }
  const mint = createProfileTokenMinter({
    ...config.credentials,
    ttlSeconds: config.tokenTtlSeconds,
    now: ctx.now,
  });
  const profileTokens = new ProfileTokenCache(mint, ctx.now, limits);
  // Before /livelike: the proxy owns everything under /livelike/api.
  app.use(
    '/livelike/api',
    labelRoute('/livelike/api/*'),
    proxyRoutes({
      prefix: '/livelike/api',
      base: config.apiUrl,
      allowedPaths: config.apiPaths,
      dispatcher: ctx.upstreams,
      limits,
      // The limit per user after the guards: a request they refuse is not counted, so a forged
      // cross-site call can't spend a user's budget.
      guards: [...ctx.guards, ctx.rateLimits.proxy(LIVELIKE.name)],
      bearer: async (req) => ({ token: await profileTokens.tokenFor(requireUser(req).id) }),
    }),
  );
  app.use(
    '/livelike',
    liveLikeRoutes({
      mint,
      guards: ctx.guards,
      tokenLimit: ctx.rateLimits.liveLikeToken,
      onTokenMinted: () => ctx.metrics.tokensMinted.inc(),
    }),
  );
}
