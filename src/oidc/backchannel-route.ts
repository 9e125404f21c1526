import express, { Router, type RequestHandler } from 'express';
import type { AuditLog } from '../log/audit';
import type { Limits } from '../config';
import { bodyProblem } from '../http/json-body';
import { parseInput, type FieldProblems } from '../http/parse-input';
import { problems } from '../http/problems';
import type { SessionIndex } from '../session/session-index';
import { keys } from '../store/keys';
import type { Kv } from '../store/kv';
import { verifyLogoutToken, type LogoutTokenSource } from './logout-token';
import { LogoutTokenForm } from './oidc-schemas';
import { IDENTITY_PROVIDER } from './names';
import type { SignInRecords } from './sign-in-records';

const TOKEN_FIELDS: FieldProblems = { logout_token: problems.invalidLogoutToken };
// A logout token is a few hundred bytes; the form holds it and nothing else worth reading.
const MAX_FORM_PARAMETERS = 8;

export interface BackchannelDeps {
  kv: Kv;
  index: SessionIndex;
  signIns: SignInRecords;
  /** Whose tokens are accepted (the relying party's provider, discovered; or APP_JWT_*). */
  source: () => Promise<LogoutTokenSource>;
  limits: Limits;
  limiter: RequestHandler;
  /** One backchannel.logout line per user named (each ended session is a session.ended one). */
  audit: AuditLog;
  now: () => number;
}

/**
 * POST /backchannel-logout (OpenID Connect Back-Channel Logout 1.0): the identity provider says
 * a user's session with it ended; every session signed in through that provider session (`sid`)
 * or subject (`sub`) ends here at once, on every instance, as a logout ends them. A server-to-
 * server call: no session, no cookie, no CSRF header.
 */
export function backchannelRoute(deps: BackchannelDeps): Router {
  const router = Router();
  const parseForm = express.urlencoded({
    extended: false,
    limit: deps.limits.jsonBodyBytes,
    parameterLimit: MAX_FORM_PARAMETERS,
  });
  router.post(
    '/backchannel-logout',
    deps.limiter,
    (req, _res, next) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        next(problems.unsupportedMediaType('Send the body as application/x-www-form-urlencoded.'));
        return;
      }
      parseForm(req, _res, (err?: unknown) =>
        next(err === undefined ? undefined : bodyProblem(err)),
      );
    },
    async (req, res) => {
      const form = parseInput(LogoutTokenForm, req.body ?? {}, TOKEN_FIELDS);
      const token = await verifyLogoutToken(
        form.logout_token,
        await deps.source(),
        deps.limits,
        deps.now(),
      );
      const ttlMs = Math.max(1000, token.replayableUntil * 1000 - deps.now());
      // Claimed before anything ends: one token, one logout, whichever instance it reaches.
      if (!(await deps.kv.setIfAbsent(keys.logoutTokenJti(token.jti), '1', ttlMs))) {
        throw problems.invalidLogoutToken('This logout token was already used.');
      }
      try {
        const named = await deps.signIns.find(token);
        const ended = new Map<string, number>();
        for (const { userId, handle } of named) {
          const live = await deps.index.endByHandle(userId, handle, 'backchannel', { ip: req.ip });
          ended.set(userId, (ended.get(userId) ?? 0) + (live ? 1 : 0));
        }
        await deps.signIns.forget(named, token.sid);
        for (const [userId, sessions] of ended) {
          deps.audit.backchannelLogout({
            userId,
            provider: IDENTITY_PROVIDER.name,
            sessions,
            ip: req.ip,
          });
        }
      } catch (err) {
        // Nothing may stay alive because of a failure here: the provider's retry must be let in.
        await deps.kv.del(keys.logoutTokenJti(token.jti)).catch(() => undefined);
        throw err;
      }
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).end();
    },
  );
  return router;
}
