import { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { SessionConfig } from '../config';
import { jsonBody } from '../http/json-body';
import { parseBody, parseInput } from '../http/parse-input';
import { problems } from '../http/problems';
import { sessionCookieOptions } from './express-session-adapter';
import { requireUser } from './require-user';
import { DEFAULT_LIMITS } from '../config/limits';
import { pageOf } from './device-page';
import {
  DevicesQuery,
  EndSessionsQuery,
  LoginRequest,
  type DevicesAnswer,
  type LoginAnswer,
} from './session-schemas';
import type { AppTokenVerifier } from './verify-app-token';
import {
  endCurrentSession,
  sessionExpiry,
  sessionToken,
  sessionView,
  startSession,
  type SessionLifecycleDeps,
} from './session-lifecycle';

export interface SessionRoutesDeps {
  config: SessionConfig;
  jsonBodyBytes: number;
  lifecycle: SessionLifecycleDeps;
  verifyAppToken: AppTokenVerifier | undefined;
  csrf: RequestHandler;
  rejectDeadCredential: RequestHandler;
  /** Adds provider parts to GET /session. */
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

/** /session: log in with the app's ID token, who am I, log out. */
export function sessionRoutes(deps: SessionRoutesDeps): Router {
  const { config, csrf, lifecycle } = deps;
  const router = Router();

  // A login needs no prior session, so a dead cookie or bearer does not stand in its way.
  router.post('/', csrf, ...jsonBody(deps.jsonBodyBytes), async (req, res) => {
    if (!deps.verifyAppToken) throw problems.appLoginNotConfigured();
    const { id_token } = parseBody(LoginRequest, req.body);
    const userId = await deps.verifyAppToken(id_token);
    await startSession(req, { id: userId, source: 'app' }, lifecycle);
    res.json({
      user: { id: userId },
      session_token: sessionToken(req, config),
      expires_at: sessionExpiry(req, lifecycle.now),
    } satisfies z.input<typeof LoginAnswer>);
  });

  router.get('/', deps.rejectDeadCredential, async (req, res) => {
    res.json(await sessionView(req, deps.describeProviders));
  });

  router.delete('/', deps.rejectDeadCredential, csrf, async (req, res) => {
    await endCurrentSession(req, lifecycle, 'logout');
    res.clearCookie(config.cookieName, sessionCookieOptions(config));
    res.status(204).end();
  });

  return router;
}

/** /sessions: the user's devices, and logging them out. */
export function deviceRoutes(deps: SessionRoutesDeps): Router {
  const { csrf, lifecycle } = deps;
  const { index } = lifecycle;
  const pageSize = DEFAULT_LIMITS.devicesPageSize;
  const router = Router();
  router.use(deps.rejectDeadCredential, csrf);

  router.get('/', async (req, res) => {
    const user = requireUser(req);
    const query = parseInput(DevicesQuery, req.query);
    const page = pageOf(await index.list(user.id), query.limit ?? pageSize, query.cursor);
    if (!page) throw problems.invalidRequest('cursor is not one GET /sessions answered.');
    res.json({
      next_cursor: page.next ?? null,
      sessions: page.devices.map((s) => ({
        id: s.handle,
        current: s.sessionId === req.sessionID,
        carrier: s.carrier,
        created_at: new Date(s.createdAt).toISOString(),
        last_seen_at: new Date(s.lastSeenAt).toISOString(),
        user_agent: s.userAgent,
      })),
    } satisfies z.input<typeof DevicesAnswer>);
  });

  router.delete('/', async (req, res) => {
    const user = requireUser(req);
    const keepCurrent = parseInput(EndSessionsQuery, req.query).keep === 'current';
    await index.endAll(user.id, 'everywhere', req.sessionID, { ip: req.ip });
    if (!keepCurrent) {
      await endCurrentSession(req, lifecycle, 'everywhere');
      res.clearCookie(deps.config.cookieName, sessionCookieOptions(deps.config));
    }
    res.status(204).end();
  });

  router.delete('/:handle', async (req, res) => {
    const user = requireUser(req);
    const handle = req.params.handle;
    if (typeof handle === 'string' && req.session.device?.handle === handle) {
      await endCurrentSession(req, lifecycle, 'revoked');
      res.clearCookie(deps.config.cookieName, sessionCookieOptions(deps.config));
    } else if (
      typeof handle !== 'string' ||
      !(await index.endByHandle(user.id, handle, 'revoked', { ip: req.ip }))
    ) {
      throw problems.notFound('No such session of yours.');
    }
    res.status(204).end();
  });

  return router;
}
