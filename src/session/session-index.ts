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
  /** The identity provider ended the sign-in (OpenID Connect back-channel logout). */
  | 'backchannel'
  /** Signed in through a provider before its users were named `<provider>:<id>`. */
  | 'legacy_identity';

/** What else ends with a session (its grant links), told the session's last stored data. */
export type SessionEndHook = (sessionId: string, data: Partial<SessionData>) => Promise<void>;

export interface SessionIndexDeps {
  kv: Kv;
  store: SessionStore;
  /** The idle lifetime: an index entry lives as long as its session could. */
  ttlMs: number;
  now: () => number;
  onEnd: SessionEndHook[];
  onEnded: (reason: EndReason) => void;
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

  /** The user's live sessions, newest first; lapsed ones are dropped from the index. */
  async list(userId: string): Promise<ListedDevice[]> {
    const key = keys.userSessions(userId);
    const now = this.deps.now();
    const live: ListedDevice[] = [];
    const lapsed: string[] = [];
    for (const [handle, raw] of Object.entries(await this.deps.kv.hashGetAll(key))) {
      const record = JSON.parse(raw) as DeviceRecord;
      if (record.expiresAt > now) live.push({ handle, ...record });
      else lapsed.push(handle);
    }
    await this.deps.kv.hashDelete(key, ...lapsed);
    return live.sort(newestFirst);
  }

  /**
   * Ends the user's oldest sessions until at most `max` are live, never `keepSessionId` (the
   * login that is being made). Answers how many ended.
   */
  async cap(userId: string, max: number, keepSessionId: string): Promise<number> {
    const sessions = await this.list(userId);
    const excess = sessions
      .filter((s) => s.sessionId !== keepSessionId)
      .slice(Math.max(0, max - 1));
    await Promise.all(
      excess.map((s) => this.end(s.sessionId, userId, s.handle, 'too_many_sessions')),
    );
    return excess.length;
  }

  async forget(userId: string, handle: string): Promise<void> {
    await this.deps.kv.hashDelete(keys.userSessions(userId), handle);
  }

  /** Ends the session behind `handle`, if it is one of `userId`'s. False when it is not. */
  async endByHandle(userId: string, handle: string, reason: EndReason): Promise<boolean> {
    const raw = await this.deps.kv.hashGet(keys.userSessions(userId), handle);
    if (raw === null) return false;
    const { sessionId } = JSON.parse(raw) as DeviceRecord;
    await this.end(sessionId, userId, handle, reason);
    return true;
  }

  /** Ends every session of `userId` but `keepSessionId`; answers how many ended. */
  async endAll(userId: string, reason: EndReason, keepSessionId?: string): Promise<number> {
    const sessions = await this.list(userId);
    const ending = sessions.filter((s) => s.sessionId !== keepSessionId);
    await Promise.all(ending.map((s) => this.end(s.sessionId, userId, s.handle, reason)));
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
  ): Promise<void> {
    await this.retire(sessionId, known ?? (await this.storedData(sessionId)) ?? {});
    if (userId !== undefined && handle !== undefined) await this.forget(userId, handle);
    await this.deps.store.destroy(sessionId);
    this.deps.onEnded(reason);
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
