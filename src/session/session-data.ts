import type { Request } from 'express';

export interface SessionUser {
  id: string;
  source: 'app' | 'likecoin';
}

declare module 'express-session' {
  interface SessionData {
    /** Set when the session is first stored: a session without it was never stored (not live). */
    createdAt: number;
    /** Last time the idle lifetime was extended. */
    touchedAt: number;
    user: SessionUser;
  }
}

/** How the request carried its session, as read before express-session runs. */
export type Credential =
  | { carrier: 'none' }
  /** `signedId` is "<sid>.<signature>" as sent, not yet verified; '' when it cannot be one. */
  | { carrier: 'cookie' | 'bearer'; signedId: string };

declare module 'express-serve-static-core' {
  interface Request {
    credential?: Credential;
  }
}

export function isLive(req: Request): boolean {
  return req.session?.createdAt !== undefined;
}

export function credentialOf(req: Request): Credential {
  return req.credential ?? { carrier: 'none' };
}
