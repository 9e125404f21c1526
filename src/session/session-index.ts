import type { SessionData } from 'express-session';
import { keys } from '../store/keys';
import type { Kv } from '../store/kv';
import type { SessionStore } from './express-session-adapter';
import type { SessionDevice } from './session-data';

/** One row of GET /sessions. */
export interface DeviceRecord {
  sessionId: string;
  carrier: SessionDevice['carrier'];
  userAgent: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the session lapses if left idle. */
  expiresAt: number;
}

export type ListedDevice = DeviceRecord & { handle: string };

/** Newest first; one order for every equal time too, so a page boundary is always the same. */
export function newestFirst(a: ListedDevice, b: ListedDevice): number {
  return b.createdAt - a.createdAt || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0);
}

export type EndReason =
  | 'logout'
  | 'everywhere'
  | 'revoked'
  | 'expired'
  | 'too_many_sessions'
  /** Signed in through a provider before its users were named `<provider>:<id>`. */
  | 'legacy_identity'
  /** A login on a device whose session was still live: the old session ends, a new one starts. */
  | 'replaced'
  /** Lapsed while idle (its key expired in the store), noticed when the index was next read. */
  | 'idle'
  /** The app's OpenID Provider asked by a back-channel logout token (issue 23 ends them so). */
  | 'backchannel';

/** Who ended a session, when a request did: its client's address. */
export interface EndOrigin {
  ip?: string;
}

/**
 * A session that ended: told to the one place that counts it (the metric) and writes its audit
 * line, so the two cannot disagree. `userId` and `device` are absent for a session that never
 * had a user (one made only to run a sign-in flow).
 */
export interface EndedSession extends EndOrigin {
  reason: EndReason;
  userId?: string;
  /** The device handle (GET /sessions' id), never the session id. */
  device?: string;
  /** For `idle`: when the session lapsed (the index saw it later). */
  lapsedAt?: number;
}

/** What else ends with a session (its grant links), told the session's last stored data. */
export type SessionEndHook = (sessionId: string, data: Partial<SessionData>) => Promise<void>;

export interface SessionIndexDeps {
  kv: Kv;
  store: SessionStore;
  /** The idle lifetime: an index entry lives as long as its session could. */
  ttlMs: number;
  now: () => number;
  onEnd: SessionEndHook[];
  onEnded: (ended: EndedSession) => void;
}

// Control characters never reach a stored user agent (it is shown to the user and to operators).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
const MAX_USER_AGENT = 200;

export function cleanUserAgent(raw: string | undefined): string {
  return (raw ?? '').replace(CONTROL, '').slice(0, MAX_USER_AGENT);
}

/**
 * A user's live sessions, by device handle, kept as sessions start, are used and end; entries of
 * sessions that lapsed are pruned when the index is read. Ending a session here works from any
 * device or from the operator's CLI: the session is tombstoned (dead at once for cookie and
 * bearer alike, and no request in flight can write it back) and its grant links are undone.
 */
export class SessionIndex {
  constructor(private readonly deps: SessionIndexDeps) {}

  async record(userId: string, handle: string, record: DeviceRecord): Promise<void> {
    await this.deps.kv.hashSet(
      keys.userSessions(userId),
      handle,
      JSON.stringify(record),
      Math.max(1, record.expiresAt - this.deps.now()),
    );
  }

  /**
   * The user's live sessions, newest first. Lapsed ones are dropped from the index and reported
   * ended (`idle`): the store let their keys expire, which no code sees happen, so this read is
   * the first moment the service can tell. A user who never comes back is never read, and their
   * index lapses with the sessions: nothing is reported for those.
   */
  async list(userId: string): Promise<ListedDevice[]> {
    const key = keys.userSessions(userId);
    const now = this.deps.now();
    const live: ListedDevice[] = [];
    const lapsed: ListedDevice[] = [];
    for (const [handle, raw] of Object.entries(await this.deps.kv.hashGetAll(key))) {
      const record = JSON.parse(raw) as DeviceRecord;
      if (record.expiresAt > now) live.push({ handle, ...record });
      else lapsed.push({ handle, ...record });
    }
    if (lapsed.length > 0) {
      await this.deps.kv.hashDelete(key, ...lapsed.map((l) => l.handle));
      for (const l of lapsed) {
        this.deps.onEnded({ reason: 'idle', userId, device: l.handle, lapsedAt: l.expiresAt });
      }
    }
    return live.sort(newestFirst);
  }

  /**
   * Ends the user's oldest sessions until at most `max` are live, never `keepSessionId` (the
   * login that is being made). Answers how many ended.
   */
  async cap(
    userId: string,
    max: number,
    keepSessionId: string,
    origin: EndOrigin = {},
  ): Promise<number> {
    const sessions = await this.list(userId);
    const excess = sessions
      .filter((s) => s.sessionId !== keepSessionId)
      .slice(Math.max(0, max - 1));
    await Promise.all(
      excess.map((s) =>
        this.end(s.sessionId, userId, s.handle, 'too_many_sessions', undefined, origin),
      ),
    );
    return excess.length;
  }

  async forget(userId: string, handle: string): Promise<void> {
    await this.deps.kv.hashDelete(keys.userSessions(userId), handle);
  }

  /** Ends the session behind `handle`, if it is one of `userId`'s. False when it is not. */
  async endByHandle(
    userId: string,
    handle: string,
    reason: EndReason,
    origin: EndOrigin = {},
  ): Promise<boolean> {
    const raw = await this.deps.kv.hashGet(keys.userSessions(userId), handle);
    if (raw === null) return false;
    const { sessionId } = JSON.parse(raw) as DeviceRecord;
    await this.end(sessionId, userId, handle, reason, undefined, origin);
    return true;
  }

  /** Ends every session of `userId` but `keepSessionId`; answers how many ended. */
  async endAll(
    userId: string,
    reason: EndReason,
    keepSessionId?: string,
    origin: EndOrigin = {},
  ): Promise<number> {
    const sessions = await this.list(userId);
    const ending = sessions.filter((s) => s.sessionId !== keepSessionId);
    await Promise.all(
      ending.map((s) => this.end(s.sessionId, userId, s.handle, reason, undefined, origin)),
    );
    return ending.length;
  }

  /**
   * Ends one session: its links undone (told its last stored data), its index entry dropped,
   * its id tombstoned.
   */
  async end(
    sessionId: string,
    userId: string | undefined,
    handle: string | undefined,
    reason: EndReason,
    known?: Partial<SessionData>,
    origin: EndOrigin = {},
  ): Promise<void> {
    await this.retire(sessionId, known ?? (await this.storedData(sessionId)) ?? {});
    if (userId !== undefined && handle !== undefined) await this.forget(userId, handle);
    await this.deps.store.destroy(sessionId);
    this.deps.onEnded({ reason, userId, device: handle, ip: origin.ip });
  }

  /** Undoes what hangs on a session that is being replaced by a new id (its links). */
  async retire(sessionId: string, data: Partial<SessionData>): Promise<void> {
    for (const hook of this.deps.onEnd) await hook(sessionId, data);
  }

  private async storedData(sessionId: string): Promise<Partial<SessionData> | undefined> {
    const data = await this.deps.store.get(sessionId);
    return (data ?? undefined) as Partial<SessionData> | undefined;
  }
}
