import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../config';
import { HttpProblem } from '../http/http-problem';
import { jsonBody, objectBody } from '../http/json-body';
import type { AppTokenVerifier } from './verify-app-token';
import { destroySession, regenerate, saveSession } from './session-layer';
import { isLive, type SessionUser } from './session-data';
import { sign } from 'cookie-signature';

export interface SessionRoutesDeps {
  config: Config;
  verifyAppToken: AppTokenVerifier | undefined;
  now: () => number;
  csrf: RequestHandler;
  rejectDeadCredential: RequestHandler;
  /** Forgets whatever else is stored for a session (provider tokens) when it ends. */
  onSessionEnd: (sessionId: string) => Promise<void>;
  onSessionStart: () => void;
  /** Adds provider parts to GET /session. */
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

export function sessionRoutes(deps: SessionRoutesDeps): Router {
  const { config, csrf } = deps;
  const router = Router();

  // A login needs no prior session, so a dead cookie or bearer does not stand in its way.
  router.post('/', csrf, ...jsonBody(config.limits.jsonBodyBytes), async (req, res) => {
    if (!deps.verifyAppToken) {
      throw new HttpProblem(
        503,
        'app_login_not_configured',
        'Set APP_JWT_SECRET or APP_JWKS_URL to enable POST /session.',
      );
    }
    const userId = await deps.verifyAppToken(objectBody(req.body).id_token);
    await startSession(req, { id: userId, source: 'app' }, deps);
    res.json({
      user: { id: userId },
      session_token: sessionToken(req, config),
      expires_at: new Date(sessionExpiry(req)).toISOString(),
    });
  });

  router.get('/', deps.rejectDeadCredential, async (req, res) => {
    res.json(await sessionView(req, deps.describeProviders));
  });

  router.delete('/', deps.rejectDeadCredential, csrf, async (req, res) => {
    if (isLive(req)) {
      const sid = req.sessionID;
      await deps.onSessionEnd(sid);
      await destroySession(req);
    }
    res.clearCookie(config.session.cookieName, {
      path: '/',
      httpOnly: true,
      secure: config.session.secureCookie,
      sameSite: 'lax',
    });
    res.status(204).end();
  });

  return router;
}

/**
 * Starts a fresh session for `user`. A live session is replaced (new id, old one ended), so a
 * session id planted before the login is never the one after it.
 */
export async function startSession(
  req: Request,
  user: SessionUser,
  deps: Pick<SessionRoutesDeps, 'now' | 'onSessionEnd' | 'onSessionStart'>,
): Promise<void> {
  if (isLive(req)) {
    await deps.onSessionEnd(req.sessionID);
    await regenerate(req);
  }
  const t = deps.now();
  req.session.createdAt = t;
  req.session.touchedAt = t;
  req.session.user = user;
  await saveSession(req);
  deps.onSessionStart();
}

/** GET /session's answer: who is signed in, and what each provider link looks like. */
export async function sessionView(
  req: Request,
  describeProviders: SessionRoutesDeps['describeProviders'],
): Promise<Record<string, unknown>> {
  const user = isLive(req) ? req.session.user : undefined;
  return {
    authenticated: user !== undefined,
    user: user ? { id: user.id, source: user.source } : null,
    ...(await describeProviders(req)),
  };
}

/** The token a client without cookies sends as `Authorization: Bearer …`: the signed session id. */
export function sessionToken(req: Request, config: Config): string {
  return sign(req.sessionID, config.session.secrets[0] ?? '');
}

export function sessionExpiry(req: Request): number {
  return req.session.cookie.expires?.getTime() ?? Date.now();
}
