import { keys } from '../store/keys';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';

/** One sign-in through the app's identity provider, as a back-channel logout needs to find it. */
export interface SignInRecord {
  /** The session's user id (the ID token's user claim) and its device handle (GET /sessions). */
  userId: string;
  handle: string;
  /** The provider's session the sign-in belongs to (the ID token's `sid`), when it said one. */
  sid?: string;
}

/** A session to end, named as the session index names it. */
export interface SignInToEnd {
  sub: string;
  userId: string;
  handle: string;
}

export interface SignInRecordsDeps {
  kv: Kv;
  box: SealedBox;
  /** A session never outlives its absolute lifetime: neither does what is kept for it here. */
  ttlMs: number;
}

// Bounds what one logout token can make us read and end (a sub's sign-ins in one lifetime).
const MAX_SIGN_INS_PER_SUBJECT = 1000;

/**
 * Sign-ins by the provider's `sub` (and `sid` → `sub`), keyed by device handle: a handle stays
 * with its session when the session's id changes (linking LikeCoin keeps the device), so the
 * session index always knows which session a handle names now. The ID token kept for the
 * logout's `id_token_hint` is sealed, bound to its handle.
 */
export class SignInRecords {
  constructor(private readonly deps: SignInRecordsDeps) {}

  async record(sub: string, record: SignInRecord, idToken?: string): Promise<void> {
    const { kv, box, ttlMs } = this.deps;
    const value = JSON.stringify({ userId: record.userId, sid: record.sid });
    await kv.hashSet(keys.oidcSubject(sub), record.handle, value, ttlMs);
    if (record.sid !== undefined) await kv.set(keys.oidcSid(record.sid), sub, ttlMs);
    if (idToken === undefined) return;
    await kv.set(keys.oidcIdToken(record.handle), await box.seal(idToken, record.handle), ttlMs);
  }

  /** The ID token the sign-in behind `handle` got, for the logout's `id_token_hint`. */
  async idTokenOf(handle: string): Promise<string | undefined> {
    const sealed = await this.deps.kv.get(keys.oidcIdToken(handle));
    return sealed === null ? undefined : this.deps.box.open(sealed, handle);
  }

  /** Forgets one sign-in's ID token (its session ended by logout). */
  async forgetIdToken(handle: string): Promise<void> {
    await this.deps.kv.del(keys.oidcIdToken(handle));
  }

  /**
   * The sign-ins a logout token names: with a `sid`, those of that provider session (of its
   * `sub` when the token names one too); with only a `sub`, all of that subject's.
   */
  async find(logout: { sub?: string; sid?: string }): Promise<SignInToEnd[]> {
    const { kv } = this.deps;
    const sub =
      logout.sub ?? (logout.sid !== undefined ? await kv.get(keys.oidcSid(logout.sid)) : null);
    if (sub === null || sub === undefined) return [];
    const entries = Object.entries(await kv.hashGetAll(keys.oidcSubject(sub)));
    return entries.slice(0, MAX_SIGN_INS_PER_SUBJECT).flatMap(([handle, raw]) => {
      const { userId, sid } = JSON.parse(raw) as { userId: string; sid?: string };
      return logout.sid === undefined || sid === logout.sid ? [{ sub, userId, handle }] : [];
    });
  }

  /** Forgets sign-ins whose sessions have ended (after `find`, once they are). */
  async forget(ended: readonly SignInToEnd[], sid?: string): Promise<void> {
    const { kv } = this.deps;
    for (const { sub, handle } of ended) {
      await kv.hashDelete(keys.oidcSubject(sub), handle);
      await kv.del(keys.oidcIdToken(handle));
    }
    if (sid !== undefined) await kv.del(keys.oidcSid(sid));
  }
}
