import type { Express } from 'express';
import type { AppContext } from '../app-context';
import { problems } from '../http/problems';
import { NOT_CONNECTED } from '../oauth/connection-view';
import { mountOAuthProvider } from '../oauth/mount-oauth-provider';
import { oauthCheckNames, oauthChecks } from '../oauth/oauth-checks';
import { notConfigured } from '../ops/doctor';
import type { Provider } from '../providers';
import { LIKECOIN_CODE_PARAMS, likeCoinProvider } from './likecoin-provider';

export const LIKECOIN = { name: 'likecoin', label: 'LikeCoin' } as const;

/** LikeCoin: an OAuth 2.0 provider people sign in with (as `likecoin:<Liker ID>`) or link. */
export const likeCoin: Provider = {
  ...LIKECOIN,
  summary: 'LikeCoin OAuth sign-in/linking and API proxy',
  signsIn: true,
  oauth: { codeParams: LIKECOIN_CODE_PARAMS },
  doctorChecks: ({ likecoin: config }) =>
    config.credentials
      ? oauthChecks(likeCoinProvider(config, config.credentials), config.timeoutMs)
      : notConfigured(oauthCheckNames(LIKECOIN.name), 'LIKECOIN'),
  mount: (app, ctx) => mountLikeCoin(app, ctx),
};

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
