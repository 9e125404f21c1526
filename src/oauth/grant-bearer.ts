import type { Request, RequestHandler } from 'express';
import { problems } from '../http/problems';
import type { BearerSource } from '../proxy/proxy-routes';
import { requireUser } from '../session/require-user';
import type { GrantRefresher } from './grant-refresher';
import type { GrantStore, StoredGrant } from './grant-store';
import type { OAuthProvider } from './provider';

export interface GrantBearer {
  /**
   * Starts reading the session's grant (a read, nothing else), so that it travels to the store
   * with the rate-limit count of the same call: one round trip instead of two. Mounted before
   * the guards and the limit; a call they refuse just never looks at what was read.
   */
  prefetch: RequestHandler;
  bearer: (req: Request) => Promise<BearerSource>;
}

/**
 * The proxy's Bearer for a session linked to a grant: the grant's access token, refreshed first
 * when it is about to lapse, and once more after an upstream 401. A link whose grant is gone
 * (refused, or forgotten everywhere) asks for a new connection.
 */
export function grantBearer(
  provider: OAuthProvider,
  grants: GrantStore,
  refresher: GrantRefresher,
): GrantBearer {
  const reads = new WeakMap<Request, Promise<StoredGrant | undefined>>();
  const grantIdOf = (req: Request) => req.session?.grants?.[provider.name];
  return {
    prefetch: (req, _res, next) => {
      const grantId = grantIdOf(req);
      if (grantId !== undefined && req.session.user) {
        const read = grants.readFor(grantId, req.sessionID);
        // Awaited by `bearer`; a call refused before that must not leave a rejection unhandled.
        read.catch(() => undefined);
        reads.set(req, read);
      }
      next();
    },
    bearer: async (req) => {
      requireUser(req);
      const grantId = grantIdOf(req);
      if (grantId === undefined) throw problems.notConnected(provider);
      const stored = await (reads.get(req) ?? grants.readFor(grantId, req.sessionID));
      if (!stored) throw problems.reauthorizationRequired(provider);
      const tokens = await refresher.usable(grantId, stored);
      return {
        token: tokens.accessToken,
        renew: async () =>
          (await refresher.afterRejection(grantId, tokens.accessToken)).accessToken,
      };
    },
  };
}
