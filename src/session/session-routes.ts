import { Router, type Request, type RequestHandler } from 'express';
import type { Config } from '../config';
import { HttpProblem } from '../http/http-problem';
import { jsonBody, objectBody } from '../http/json-body';
import type { AppTokenVerifier } from './verify-app-token';
import { destroySession } from './session-layer';
import { isLive } from './session-data';
import { sessionExpiry, sessionToken, sessionView, startSession } from './session-lifecycle';

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
    deps.onSessionStart();
    res.json({
      user: { id: userId },
      session_token: sessionToken(req, config),
      expires_at: sessionExpiry(req),
    });
  });

  router.get('/', deps.rejectDeadCredential, async (req, res) => {
    res.json(await sessionView(req, deps.describeProviders));
  });

  router.delete('/', deps.rejectDeadCredential, csrf, async (req, res) => {
    if (isLive(req)) {
      await deps.onSessionEnd(req.sessionID);
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
