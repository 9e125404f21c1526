import type { Request, RequestHandler } from 'express';
import { problems } from '../http/problems';
import type { BearerSource } from '../proxy/proxy-routes';
import type { SessionReadHook } from '../session/express-session-adapter';
import { requireUser } from '../session/require-user';
import type { GrantRefresher } from './grant-refresher';
import type { GrantStore, StoredGrant } from './grant-store';
import { putBounded } from '../store/bounded-map';
import type { OAuthProvider } from './provider';

export interface GrantBearer {
  /**
   * A session-read hook: for a session this instance has seen linked to a grant, starts reading
   * that grant as the session itself is read, so both travel to the store in one round trip.
   * The id is the credential's, unverified: the read is used only if the session, once loaded,
   * has that id and still that grant.
   */
  early: SessionReadHook;
  /**
   * After the session is read: starts reading its grant (a read, nothing else) unless the early
   * read was the right one, so that it travels to the store with the rate-limit count of the
   * call. Mounted before the guards and the limit; a call they refuse just never looks at what
   * was read.
   */
  prefetch: RequestHandler;
  bearer: (req: Request) => Promise<BearerSource>;
}

export interface GrantBearerOptions {
  /** Where the proxy is mounted (/<name>/api): only its calls start an early read. */
  prefix: string;
  /** Sessions whose grant this instance remembers, at most. */
  cacheEntries: number;
}

interface GrantRead {
  grantId: string;
  sessionId: string;
  read: Promise<StoredGrant | undefined>;
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
  { prefix, cacheEntries }: GrantBearerOptions,
): GrantBearer {
  const reads = new WeakMap<Request, GrantRead>();
  // Session id → the grant it was linked to when last seen here. A guess, never an authority:
  // a wrong one costs one read that is thrown away.
  const lastSeen = new Map<string, string>();
  const grantIdOf = (req: Request) => req.session?.grants?.[provider.name];
  const proxied = `${prefix}/`;
  const start = (req: Request, grantId: string, sessionId: string) => {
    const read = grants.readFor(grantId, sessionId);
    // Awaited by `bearer`; a call refused before that must not leave a rejection unhandled.
    read.catch(() => undefined);
    reads.set(req, { grantId, sessionId, read });
  };
  const readOf = (req: Request, grantId: string) => {
    const found = reads.get(req);
    return found?.grantId === grantId && found.sessionId === req.sessionID ? found.read : undefined;
  };
  const remember = (sessionId: string, grantId: string) => {
    if (lastSeen.get(sessionId) !== grantId) putBounded(lastSeen, sessionId, grantId, cacheEntries);
  };
  return {
    early: (req, sessionId) => {
      if (!req.originalUrl.startsWith(proxied)) return;
      const grantId = lastSeen.get(sessionId);
      if (grantId !== undefined) start(req, grantId, sessionId);
    },
    prefetch: (req, _res, next) => {
      const grantId = grantIdOf(req);
      if (grantId !== undefined && req.session.user) {
        remember(req.sessionID, grantId);
        if (!readOf(req, grantId)) start(req, grantId, req.sessionID);
      } else {
        // Not (or no longer) a linked session: nothing to read early for the id it came with.
        const early = reads.get(req);
        if (early) lastSeen.delete(early.sessionId);
      }
      next();
    },
    bearer: async (req) => {
      const user = requireUser(req);
      const grantId = grantIdOf(req);
      if (grantId === undefined) throw problems.notConnected(provider);
      const stored = await (readOf(req, grantId) ?? grants.readFor(grantId, req.sessionID));
      if (!stored) throw problems.reauthorizationRequired(provider);
      // Named in the audit trail if the provider refuses the refresh this call makes. The
      // address only then: req.ip walks the trust-proxy chain, and nearly every call is fine.
      const by = {
        userId: user.id,
        device: req.session.device?.handle,
        get ip() {
          return req.ip;
        },
      };
      const tokens = await refresher.usable(grantId, stored, by);
      return {
        token: tokens.accessToken,
        renew: async () =>
          (await refresher.afterRejection(grantId, tokens.accessToken, by)).accessToken,
      };
    },
  };
}
