import type { Request } from 'express';

export interface SessionUser {
  id: string;
  /** `app` (POST /session), or the OAuth provider the user signed in with (`likecoin`). */
  source: string;
}

/** What a session says of the device that holds it (GET /sessions). */
export interface SessionDevice {
  /** Opaque, random: names the session in GET /sessions, never usable as a credential. */
  handle: string;
  carrier: 'cookie' | 'bearer';
  userAgent: string;
}

declare module 'express-session' {
  interface SessionData {
    /** Set when the session is first stored: a session without it was never stored (not live). */
    createdAt: number;
    /** Last time the idle lifetime was extended. */
    touchedAt: number;
    user: SessionUser;
    device: SessionDevice;
    /** Provider name → the id of the grant this session completed a flow for. */
    grants: Record<string, string>;
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

/** The signed-in user of a live session; a session never stored has none, whatever it holds. */
export function liveUserIdOf(req: Request): string | undefined {
  return isLive(req) ? req.session.user?.id : undefined;
}

export function credentialOf(req: Request): Credential {
  return req.credential ?? { carrier: 'none' };
}
