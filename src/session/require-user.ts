import type { Request } from 'express';
import { problems } from '../http/problems';
import { isLive, type SessionUser } from './session-data';

/** The session's user, or 401 not_authenticated. */
export function requireUser(req: Request): SessionUser {
  const user = isLive(req) ? req.session.user : undefined;
  if (!user) throw problems.notAuthenticated();
  return user;
}
