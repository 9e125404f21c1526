import type { Request } from 'express';
import { problems } from '../http/problems';
import type { BearerSource } from '../proxy/proxy-routes';
import { requireUser } from '../session/require-user';
import type { GrantRefresher } from './grant-refresher';
import type { GrantStore } from './grant-store';
import type { OAuthProvider } from './provider';

/**
 * The proxy's Bearer for a session linked to a grant: the grant's access token, refreshed first
 * when it is about to lapse, and once more after an upstream 401. A link whose grant is gone
 * (refused, or forgotten everywhere) asks for a new connection.
 */
export function grantBearer(
  provider: OAuthProvider,
  grants: GrantStore,
  refresher: GrantRefresher,
): (req: Request) => Promise<BearerSource> {
  return async (req) => {
    requireUser(req);
    const grantId = req.session.grants?.[provider.name];
    if (grantId === undefined) throw problems.notConnected(provider);
    const stored = await grants.readFor(grantId, req.sessionID);
    if (!stored) throw problems.reauthorizationRequired(provider);
    const tokens = await refresher.usable(grantId, stored);
    return {
      token: tokens.accessToken,
      renew: async () => (await refresher.afterRejection(grantId, tokens.accessToken)).accessToken,
    };
  };
}
