import { createHash } from 'node:crypto';
import { keys, type GrantKeys } from '../store/keys';
import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';
import { putBounded } from '../store/bounded-map';
import { randomHandle } from './authorization-url';
import type { GrantedTokens } from './provider';

// Writes of one grant that lose a compare-and-set in a row before a connection gives up writing
// (each loss means another set was just stored: the grant is fresh, and the link still holds).
const MAX_CONNECT_ATTEMPTS = 5;

/**
 * True when `a` was issued after `b`: the later `iat` (the provider's clock), and on the same
 * second, the request sent later (the provider answers requests in the order they arrive).
 */
export function issuedLater(a: GrantedTokens, b: GrantedTokens): boolean {
  return a.issuedAt !== b.issuedAt ? a.issuedAt > b.issuedAt : a.requestedAt > b.requestedAt;
}

export interface StoredGrant {
  tokens: GrantedTokens;
  /** The stored value as read: the version a compare-and-set write must still find. */
  version: string;
}

/**
 * One holder's handle on a grant's refresh lock, shared by every instance on the store. The
 * lock is leased, so a holder that dies lets go of it when the lease runs out.
 */
export interface GrantLock {
  /** Takes the lock for `leaseMs` unless someone holds it. True when this holder has it now. */
  acquire(leaseMs: number): Promise<boolean>;
  /** Lets go, only if this holder still has it: once the lease ran out, it may be another's. */
  release(): Promise<void>;
  /** Whether anyone holds the lock. */
  isHeld(): Promise<boolean>;
}

export interface GrantStoreOptions {
  /** The provider's key namespace. */
  namespace: string;
  /** How long a grant outlives the last use of a session linked to it (the idle lifetime). */
  ttlMs: number;
  /** Decrypted grants kept in memory, at most. */
  cacheEntries: number;
}

/**
 * Grants, keyed by (provider, subject): one sealed token set per subject, whatever number of
 * sessions use it, since the provider keeps one live refresh token per user and client. A grant
 * knows its linked sessions (id → when the link lapses); the last one to unlink forgets it, and
 * one nobody uses any more lapses after one idle lifetime. The token set is sealed with the grant
 * key as its binding, so a blob copied under another grant does not open.
 *
 * A grant is named by its id, a digest of (provider, subject): neither key names nor session
 * records say which account at the provider a user linked; only the sealed tokens do.
 */
export class GrantStore {
  /**
   * The last grant opened per id, with the exact ciphertext it came from. Every read still
   * asks the store (so every instance sees every refresh at once); only an unchanged ciphertext
   * skips the decryption.
   */
  private readonly opened = new Map<string, StoredGrant>();

  constructor(
    private readonly kv: Kv,
    private readonly box: SealedBox,
    private readonly opts: GrantStoreOptions,
  ) {}

  /** The grant id of `subject` at this provider. */
  idOf(subject: string): string {
    return createHash('sha256')
      .update(`${this.opts.namespace}\0${subject}`)
      .digest('base64url')
      .slice(0, 32);
  }

  keysOf(grantId: string): GrantKeys {
    return keys.grant(this.opts.namespace, grantId);
  }

  async read(grantId: string): Promise<StoredGrant | undefined> {
    return this.open(grantId, await this.kv.get(this.keysOf(grantId).tokens));
  }

  /** The grant, if `sessionId` is linked to it: one round trip for the proxy's hot path. */
  async readFor(grantId: string, sessionId: string): Promise<StoredGrant | undefined> {
    const k = this.keysOf(grantId);
    return this.open(grantId, await this.kv.getIfMember(k.tokens, k.sessions, sessionId));
  }

  /**
   * Stores the tokens of a new code exchange, replacing the grant's (every linked session uses
   * the new ones from its next call), and links `sessionId`. Answers whether a grant was replaced.
   *
   * The newest issued token set wins, not the last written: the provider keeps one live refresh
   * token per subject, so when two connections of one subject race (two devices at once), the
   * exchange that was answered last may hold the set the other one already killed. Such an older
   * set is never stored; its session is linked to the newer grant instead. Every write is a
   * compare-and-set on the value read, so no other write slips in between.
   */
  async connect(
    tokens: GrantedTokens,
    sessionId: string,
    linkLapsesAt: number,
  ): Promise<{ grantId: string; replaced: boolean }> {
    const grantId = this.idOf(tokens.subject);
    const key = this.keysOf(grantId).tokens;
    const sealed = await this.seal(grantId, tokens);
    let replaced = false;
    for (let attempt = 0; attempt < MAX_CONNECT_ATTEMPTS; attempt++) {
      const version = await this.kv.get(key);
      const current = await this.open(grantId, version);
      if (current && issuedLater(current.tokens, tokens)) break;
      const written =
        version === null
          ? await this.kv.setIfAbsent(key, sealed, this.opts.ttlMs)
          : await this.kv.replaceIfEquals(key, version, sealed, this.opts.ttlMs);
      if (written) {
        replaced = version !== null;
        break;
      }
    }
    await this.link(grantId, sessionId, linkLapsesAt);
    return { grantId, replaced };
  }

  /** Links (or keeps linked) `sessionId` until `lapsesAt`, and keeps the grant alive as long. */
  async link(grantId: string, sessionId: string, lapsesAt: number): Promise<void> {
    const k = this.keysOf(grantId);
    await this.kv.hashSet(k.sessions, sessionId, String(lapsesAt), this.opts.ttlMs);
    await this.kv.extend(k.tokens, this.opts.ttlMs);
  }

  /** A linked session was used: its link, and the grant, live on; an undone link stays undone. */
  async touch(grantId: string, sessionId: string, lapsesAt: number): Promise<void> {
    const k = this.keysOf(grantId);
    if (await this.kv.hashUpdate(k.sessions, sessionId, String(lapsesAt), this.opts.ttlMs)) {
      await this.kv.extend(k.tokens, this.opts.ttlMs);
    }
  }

  /** Unlinks `sessionId`; the grant is forgotten when no live link is left. True when it was. */
  async unlink(grantId: string, sessionId: string, nowMs: number): Promise<boolean> {
    const k = this.keysOf(grantId);
    const forgotten = await this.kv.hashDeleteLast(k.sessions, sessionId, nowMs, [
      k.tokens,
      k.lock,
      k.recentlyRefreshed,
    ]);
    if (forgotten) this.opened.delete(grantId);
    return forgotten;
  }

  /** A new holder's handle on the grant's refresh lock (its own owner token). */
  lock(grantId: string): GrantLock {
    const key = this.keysOf(grantId).lock;
    const owner = randomHandle();
    return {
      acquire: (leaseMs) => this.kv.setIfAbsent(key, owner, leaseMs),
      release: async () => {
        await this.kv.deleteIfEquals(key, owner);
      },
      isHeld: async () => (await this.kv.get(key)) !== null,
    };
  }

  /** The grant was just refreshed: for `cooldownMs`, recentlyRefreshed answers true. */
  async markRefreshed(grantId: string, cooldownMs: number): Promise<void> {
    await this.kv.set(this.keysOf(grantId).recentlyRefreshed, '1', cooldownMs);
  }

  async recentlyRefreshed(grantId: string): Promise<boolean> {
    return (await this.kv.get(this.keysOf(grantId).recentlyRefreshed)) !== null;
  }

  /** Ids of the sessions linked to the grant (lapsed links included until they are pruned). */
  async linkedSessions(grantId: string): Promise<string[]> {
    return Object.keys(await this.kv.hashGetAll(this.keysOf(grantId).sessions));
  }

  /** Writes `tokens` only if the stored value is still `version` (a refresh's result). */
  async replace(grantId: string, version: string, tokens: GrantedTokens): Promise<boolean> {
    const sealed = await this.seal(grantId, tokens);
    return this.kv.replaceIfEquals(this.keysOf(grantId).tokens, version, sealed, this.opts.ttlMs);
  }

  /** Forgets the grant only if nobody replaced it since it was read as `version`. */
  async forgetIfUnchanged(grantId: string, version: string): Promise<boolean> {
    const k = this.keysOf(grantId);
    if (!(await this.kv.deleteIfEquals(k.tokens, version))) return false;
    await this.forget(grantId);
    return true;
  }

  /** Forgets the grant for every session linked to it. */
  async forget(grantId: string): Promise<void> {
    this.opened.delete(grantId);
    const k = this.keysOf(grantId);
    await this.kv.del(k.tokens, k.sessions, k.lock, k.recentlyRefreshed);
  }

  private seal(grantId: string, tokens: GrantedTokens): Promise<string> {
    return this.box.seal(JSON.stringify(tokens), this.keysOf(grantId).tokens);
  }

  private async open(grantId: string, version: string | null): Promise<StoredGrant | undefined> {
    if (version === null) return undefined;
    const known = this.opened.get(grantId);
    if (known?.version === version) return known;
    const plaintext = await this.box.open(version, this.keysOf(grantId).tokens);
    // Unreadable (a rotated-out key, or a box not made for this grant): as good as absent.
    if (plaintext === undefined) return undefined;
    // Grants stored before issuedAt/requestedAt existed read as issued at the epoch: the oldest.
    const written = JSON.parse(plaintext) as Omit<GrantedTokens, 'issuedAt' | 'requestedAt'>;
    const tokens: GrantedTokens = { issuedAt: 0, requestedAt: 0, ...written };
    const stored = { tokens, version };
    putBounded(this.opened, grantId, stored, this.opts.cacheEntries);
    return stored;
  }
}
