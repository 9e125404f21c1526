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
  /** `sid` is undefined when the value is unsigned, tampered with or signed by a foreign key. */
  | { carrier: 'cookie' | 'bearer'; sid: string | undefined };

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
