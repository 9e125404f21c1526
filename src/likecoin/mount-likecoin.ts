import type { Express } from 'express';
import type { AppContext } from '../app-context';
import { problems } from '../http/problems';
import { NOT_CONNECTED } from '../oauth/connection-view';
import { mountOAuthProvider } from '../oauth/mount-oauth-provider';
import { likeCoinProvider } from './likecoin-provider';

export const LIKECOIN = { name: 'likecoin', label: 'LikeCoin' } as const;

/** LikeCoin sign-in, linking and API proxy; without credentials every /likecoin route is a 503. */
export function mountLikeCoin(app: Express, ctx: AppContext): void {
  const config = ctx.config.likecoin;
  if (!config.credentials) {
    // GET /session still shows the part, without a store read: no session can be linked.
    ctx.providerViews.push(async () => [LIKECOIN.name, NOT_CONNECTED]);
    app.use('/likecoin', () => {
      throw problems.notConfigured(LIKECOIN);
    });
    return;
  }
  mountOAuthProvider(app, ctx, likeCoinProvider(config, config.credentials), {
    tokenTimeoutMs: config.timeoutMs,
    stateTtlMs: config.stateTtlSeconds * 1000,
  });
}
