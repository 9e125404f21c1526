import type { Express } from 'express';
import { problems } from '../http/problems';
import { NOT_CONNECTED } from '../oauth/connection-view';
import { oauthCheckNames, oauthChecks } from '../oauth/oauth-checks';
import { openOAuthProvider, revokeOnly } from '../oauth/open-oauth-provider';
import { notConfigured } from '../ops/doctor';
import type { Provider, ProviderStore } from '../area/provider';
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
  open: (core) => {
    const config = core.config.likecoin;
    if (!config.credentials) return notConfiguredStore(revokeOnly(core, LIKECOIN.name));
    return openOAuthProvider(core, likeCoinProvider(config, config.credentials), {
      tokenTimeoutMs: config.timeoutMs,
      stateTtlMs: config.stateTtlSeconds * 1000,
    });
  },
};

/** Without credentials every /likecoin route is a 503, and no session can be linked. */
function notConfiguredStore(revokeGrant: ProviderStore['revokeGrant']): ProviderStore {
  return {
    revokeGrant,
    // GET /session still shows the part, without a store read.
    view: async () => NOT_CONNECTED,
    area: () => ({
      mount: (app: Express) => {
        app.use('/likecoin', () => {
          throw problems.notConfigured(LIKECOIN);
        });
      },
    }),
  };
}
