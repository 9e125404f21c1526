import type { Request } from 'express';
import { HttpProblem } from '../http/http-problem';
import { isLive, type SessionUser } from './session-data';

/** The session's user, or 401 not_authenticated. */
export function requireUser(req: Request): SessionUser {
  const user = isLive(req) ? req.session.user : undefined;
  if (!user) throw new HttpProblem(401, 'not_authenticated', 'Sign in first.');
  return user;
}
