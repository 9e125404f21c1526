import type { Kv } from '../store/kv';
import type { SealedBox } from '../store/sealed-box';
import type { GrantedTokens } from './token-endpoint-client';

/** A session's LikeCoin grant, as kept server-side. */
export type TokenSet = GrantedTokens;

export interface StoredTokenSet {
  set: TokenSet;
  /** The stored value as read: the version a compare-and-set write must still find. */
  version: string;
}

/**
 * LikeCoin tokens live under their own key per session, encrypted and bound to that session,
 * outside the express-session blob: concurrent requests cannot overwrite them, and a refresh
 * can replace them with compare-and-set.
 */
// Decrypted sets kept per session, for at most this many sessions (least recently read go first).
const MAX_OPENED = 10_000;

export class TokenSetStore {
  /**
   * The last set opened per session, with the exact ciphertext it came from. Every read still
   * asks the store (so every instance sees every refresh at once); only an unchanged ciphertext
   * skips the decryption.
   */
  private readonly opened = new Map<string, StoredTokenSet>();

  constructor(
    private readonly kv: Kv,
    private readonly box: SealedBox,
    private readonly ttlMs: number,
  ) {}

  async read(sessionId: string): Promise<StoredTokenSet | undefined> {
    const version = await this.kv.get(this.key(sessionId));
    if (version === null) {
      this.opened.delete(sessionId);
      return undefined;
    }
    const known = this.opened.get(sessionId);
    if (known?.version === version) return known;
    const plaintext = await this.box.open(version, sessionId);
    // Unreadable (a rotated-out key, or a box not made for this session): as good as absent.
    if (plaintext === undefined) return undefined;
    const stored = { set: JSON.parse(plaintext) as TokenSet, version };
    this.opened.delete(sessionId);
    if (this.opened.size >= MAX_OPENED)
      this.opened.delete(this.opened.keys().next().value as string);
    this.opened.set(sessionId, stored);
    return stored;
  }
  async write(sessionId: string, set: TokenSet): Promise<void> {
    await this.kv.set(
      this.key(sessionId),
      await this.box.seal(JSON.stringify(set), sessionId),
      this.ttlMs,
    );
  }

  /** Writes `set` only if the stored value is still `version`. */
  async replace(sessionId: string, version: string, set: TokenSet): Promise<boolean> {
    const sealed = await this.box.seal(JSON.stringify(set), sessionId);
    return this.kv.replaceIfEquals(this.key(sessionId), version, sealed, this.ttlMs);
  }

  /** Forgets the set only if nobody replaced it since it was read as `version`. */
  async forgetIfUnchanged(sessionId: string, version: string): Promise<void> {
    await this.kv.deleteIfEquals(this.key(sessionId), version);
  }

  async forget(sessionId: string): Promise<void> {
    this.opened.delete(sessionId);
    await this.kv.del(this.key(sessionId));
  }

  private key(sessionId: string): string {
    return `likecoin:tokens:${sessionId}`;
  }
}
