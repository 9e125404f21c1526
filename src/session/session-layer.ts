import type { RequestHandler } from 'express';
import type { SessionConfig } from '../config';
import { problems } from '../http/problems';
import { sessionCookieOptions, regenerate } from './express-session-adapter';
import { isSignedBy } from './read-credential';
import { credentialOf, isLive } from './session-data';
import { endSessionOf, touchSession, type SessionLifecycleDeps } from './session-lifecycle';
import { isLegacyProviderUser } from './user-id';

/**
 * After express-session: the absolute lifetime (a session that reached it ends, however
 * active), and the idle lifetime extended at most once per tenth of it (so a hit costs one
 * store read, not a write).
 */
export function enforceLifetime(deps: SessionLifecycleDeps): RequestHandler {
  const { ttlSeconds, maxAgeSeconds } = deps.config;
  const touchIntervalMs = Math.max(1000, (ttlSeconds * 1000) / 10);
  return async (req, _res, next) => {
    const s = req.session;
    if (s.createdAt === undefined) return next();
    const t = deps.now();
    const endsAt = s.createdAt + maxAgeSeconds * 1000;
    const legacy = s.user !== undefined && isLegacyProviderUser(s.user, deps.signInProviders);
    if (t >= endsAt || legacy) {
      await endSessionOf(req, deps, legacy ? 'legacy_identity' : 'expired');
      await regenerate(req);
      return next();
    }
    // A login cannot tell a browser from an app (it gets both a cookie and a token): the first
    // call that uses one says which this device is.
    const carrier = credentialOf(req).carrier;
    const carrierChanged =
      s.device !== undefined && carrier !== 'none' && s.device.carrier !== carrier;
    if (carrierChanged && s.device) s.device.carrier = carrier;
    if (t - (s.touchedAt ?? 0) >= touchIntervalMs) {
      s.touchedAt = t;
      s.cookie.maxAge = Math.min(ttlSeconds * 1000, endsAt - t);
      await touchSession(req, deps);
    } else if (carrierChanged) {
      await touchSession(req, deps);
    }
    next();
  };
}

/**
 * Refuses requests whose credential is present but dead: a bearer that is not a live session
 * token, or a cookie that fails its signature. A signed cookie whose session simply expired is
 * not an error: the request goes on without a session. (A live session proves its signature, so
 * the signature is checked again only for requests that have none.)
 */
export function rejectDeadCredential(config: SessionConfig): RequestHandler {
  return (req, res, next) => {
    const credential = credentialOf(req);
    if (credential.carrier === 'none' || isLive(req)) return next();
    if (credential.carrier === 'bearer') throw problems.invalidSessionToken();
    if (!isSignedBy(credential.signedId, config.secrets)) {
      res.clearCookie(config.cookieName, sessionCookieOptions(config));
      throw problems.invalidSessionCookie();
    }
    next();
  };
}
