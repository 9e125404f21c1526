import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import onHeaders from 'on-headers';
import type { Config } from '../config';
import { HttpProblem } from '../http/http-problem';
import { StoreUnavailableError } from '../store/kv';
import { GuardedSessionStore } from './guarded-session-store';
import { isSignedBy, readCredential, unverifiedSessionId } from './read-credential';
import { credentialOf, isLive } from './session-data';

export interface SessionLayerDeps {
  onSessionEnd: (sessionId: string) => Promise<void>;
  config: Config;
  store: GuardedSessionStore;
  now: () => number;
}

/**
 * express-session behind two small steps: reading the credential first (so a Bearer header
 * can carry the session for clients without cookies), and enforcing the absolute lifetime
 * and the throttled idle extension after.
 */
export function sessionLayer({
  config,
  store,
  now,
  onSessionEnd,
}: SessionLayerDeps): RequestHandler[] {
  const { cookieName, secrets, secureCookie, ttlSeconds, maxAgeSeconds } = config.session;
  const expressSession = session({
    name: cookieName,
    secret: [...secrets],
    store,
    resave: false,
    saveUninitialized: false,
    // Rolling is done by `extendIdleLifetime` below, a few times per lifetime instead of per hit.
    rolling: false,
    // No `proxy` option: express-session then asks req.secure, which follows Express's
    // `trust proxy` (TRUST_PROXY) exactly, instead of believing X-Forwarded-Proto from anyone.
    cookie: {
      httpOnly: true,
      secure: secureCookie,
      sameSite: 'lax',
      path: '/',
      maxAge: ttlSeconds * 1000,
    },
  });

  const carryCredential: RequestHandler = (req, res, next) => {
    const credential = readCredential(req.headers, cookieName);
    req.credential = credential;
    // Every answer behind a session is about one user: no shared cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    if (credential.carrier === 'bearer') {
      // express-session reads only cookies: hand it the bearer's session as one (it checks the
      // signature), and drop whatever cookies came along, so the header alone is the credential.
      req.headers.cookie = `${cookieName}=${encodeURIComponent(`s:${credential.signedId}`)}`;
      const sid = unverifiedSessionId(credential.signedId);
      onHeaders(res, () => {
        // A bearer client keeps its token; it gets a cookie only for a new session (a login).
        if (req.sessionID === sid) res.removeHeader('Set-Cookie');
      });
    }
    next();
  };

  const loadSession: RequestHandler = (req, res, next) => {
    expressSession(req, res, (err?: unknown) => {
      if (err === undefined) next();
      else next(err instanceof StoreUnavailableError ? err : new StoreUnavailableError(err));
    });
  };

  const touchIntervalMs = Math.max(1000, (ttlSeconds * 1000) / 10);
  const enforceLifetime: RequestHandler = async (req, _res, next) => {
    const s = req.session;
    if (s.createdAt === undefined) return next();
    const t = now();
    const endsAt = s.createdAt + maxAgeSeconds * 1000;
    if (t >= endsAt) {
      await onSessionEnd(req.sessionID);
      await regenerate(req);
      return next();
    }
    if (t - (s.touchedAt ?? 0) >= touchIntervalMs) {
      s.touchedAt = t;
      s.cookie.maxAge = Math.min(ttlSeconds * 1000, endsAt - t);
    }
    next();
  };

  return [carryCredential, loadSession, enforceLifetime];
}

/**
 * Refuses requests whose credential is present but dead: a bearer that is not a live session
 * token, or a cookie that fails its signature. A signed cookie whose session simply expired is
 * not an error: the request goes on without a session. (A live session proves its signature, so
 * the signature is checked again only for requests that have none.)
 */
export function rejectDeadCredential(config: Config['session']): RequestHandler {
  const { cookieName, secureCookie, secrets } = config;
  return (req, res, next) => {
    const credential = credentialOf(req);
    if (credential.carrier === 'none' || isLive(req)) return next();
    if (credential.carrier === 'bearer') {
      throw new HttpProblem(
        401,
        'invalid_session_token',
        'The session token is not valid or has expired.',
        {
          'WWW-Authenticate': 'Bearer error="invalid_token"',
        },
      );
    }
    if (!isSignedBy(credential.signedId, secrets)) {
      res.clearCookie(cookieName, {
        path: '/',
        httpOnly: true,
        secure: secureCookie,
        sameSite: 'lax',
      });
      throw new HttpProblem(
        401,
        'invalid_session_cookie',
        'The session cookie is not valid; it has been cleared.',
      );
    }
    next();
  };
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err) : resolve())),
  );
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err) => (err ? reject(err) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err) => (err ? reject(err) : resolve())),
  );
}
