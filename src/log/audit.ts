import type { Logger } from 'pino';

/**
 * The audit trail (CONTRACT.md, Operations, "Audit"): one JSON line per security event, marked
 * `"audit": true`, on the same output as the service's (or the CLI's) other lines. Each event has
 * its own typed emitter, and every line is built here from named fields only, so no caller can
 * hand a session id, a token, a cookie or a code to the trail by passing an object through.
 *
 * The lines are written at `info` whatever LOG_LEVEL says: a trail that a log-level change can
 * switch off is no trail (LOG_LEVEL=warn still keeps it).
 */
export type AuditEventName =
  | 'session.started'
  | 'session.ended'
  | 'grant.connected'
  | 'grant.forgotten'
  | 'refresh.refused'
  | 'backchannel.logout'
  | 'operator.revoke';

/** Where a session is: the device handle GET /sessions shows (never the session id). */
interface Who {
  userId: string;
  device?: string;
  /** The client's address as Express reads it (TRUST_PROXY); absent for the operator's CLI. */
  ip?: string;
}

export interface SessionStarted extends Who {
  device: string;
  /** `app`, or the provider the user signed in with. */
  source: string;
}

export interface SessionEnded extends Who {
  /** logout, everywhere, revoked, expired, idle, too_many_sessions, replaced, … */
  reason: string;
  /** For a session found lapsed after the fact: when it lapsed (ms since the epoch). */
  lapsedAt?: number;
}

/** A provider's grant: `grant` is its id, a digest that names no account. */
interface GrantOf {
  provider: string;
  grant: string;
}

export interface GrantConnected extends Who, GrantOf {
  /** The account at the provider (e.g. the Liker ID): ties the grant id to it once. */
  subject: string;
  /** The subject had a grant already, whose tokens this one replaced for every linked session. */
  replaced: boolean;
}

export interface GrantForgotten extends Partial<Who>, GrantOf {
  /** disconnect, everywhere, last_session, grant_refused, operator */
  reason: string;
  subject?: string;
}

export interface RefreshRefused extends Partial<Who>, GrantOf {
  subject: string;
  /** Sessions linked to the grant when the provider refused it. */
  linkedSessions: number;
}

/**
 * The app's OpenID Provider asked, by a logout token on the back channel, to end a user's
 * sessions (issue 23's OIDC work calls this; each session it ends is a session.ended line too,
 * reason `backchannel`). `sid` is not logged: it is the provider's session id.
 */
export interface BackchannelLogout {
  userId: string;
  /** The provider that sent the logout token (its name in the provider list). */
  provider: string;
  /** Sessions ended for it (0: none was live). */
  sessions: number;
  /** The provider's address (the request to the back-channel endpoint). */
  ip?: string;
}

export interface OperatorRevoke {
  /** The id the operator named: a user id (sessions) or a provider's account id (grants). */
  userId: string;
  target: 'sessions' | 'grant';
  provider?: string;
  /** Sessions ended, or sessions that were linked to the grant. */
  sessions: number;
  existed?: boolean;
}

export interface AuditLog {
  sessionStarted(e: SessionStarted): void;
  sessionEnded(e: SessionEnded): void;
  grantConnected(e: GrantConnected): void;
  grantForgotten(e: GrantForgotten): void;
  refreshRefused(e: RefreshRefused): void;
  backchannelLogout(e: BackchannelLogout): void;
  operatorRevoke(e: OperatorRevoke): void;
}

type Line = Record<string, string | number | boolean>;

/** Only fields that are set, under the contract's snake_case names. */
function line(fields: Record<string, string | number | boolean | undefined>): Line {
  const out: Line = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) out[name] = value;
  return out;
}

const who = (e: Partial<Who>) => ({ user_id: e.userId, device: e.device, ip: e.ip });

/** The audit trail on `logger`'s output, at `info` whatever the logger's own level. */
export function createAuditLog(logger: Logger): AuditLog {
  const trail = logger.child({ audit: true }, { level: 'info' });
  const write = (event: AuditEventName, fields: Line) => trail.info({ event, ...fields }, event);
  return {
    sessionStarted: (e) => write('session.started', line({ ...who(e), source: e.source })),
    sessionEnded: (e) =>
      write(
        'session.ended',
        line({
          ...who(e),
          reason: e.reason,
          lapsed_at: e.lapsedAt === undefined ? undefined : new Date(e.lapsedAt).toISOString(),
        }),
      ),
    grantConnected: (e) =>
      write(
        'grant.connected',
        line({
          ...who(e),
          provider: e.provider,
          grant: e.grant,
          subject: e.subject,
          replaced: e.replaced,
        }),
      ),
    grantForgotten: (e) =>
      write(
        'grant.forgotten',
        line({
          ...who(e),
          provider: e.provider,
          grant: e.grant,
          subject: e.subject,
          reason: e.reason,
        }),
      ),
    refreshRefused: (e) =>
      write(
        'refresh.refused',
        line({
          ...who(e),
          provider: e.provider,
          grant: e.grant,
          subject: e.subject,
          reason: 'grant_refused',
          linked_sessions: e.linkedSessions,
        }),
      ),
    backchannelLogout: (e) =>
      write(
        'backchannel.logout',
        line({
          user_id: e.userId,
          provider: e.provider,
          reason: 'backchannel',
          sessions: e.sessions,
          ip: e.ip,
        }),
      ),
    operatorRevoke: (e) =>
      write(
        'operator.revoke',
        line({
          user_id: e.userId,
          target: e.target,
          provider: e.provider,
          reason: 'revoked',
          sessions: e.sessions,
          existed: e.existed,
        }),
      ),
  };
}
