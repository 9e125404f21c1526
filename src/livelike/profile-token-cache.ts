import type { ProfileTokenMinter } from './mint-profile-token';

// Reuse a minted token until this close to its expiry.
const RENEW_BEFORE_MS = 60_000;
// Tokens without expiry (TTL 0) are still re-minted now and then.
const NO_EXP_REUSE_MS = 3600_000;
const MAX_ENTRIES = 10_000;

/** Profile tokens for the proxy, one per user, minted again shortly before they expire. */
export class ProfileTokenCache {
  private readonly entries = new Map<string, { token: string; renewAt: number }>();

  constructor(
    private readonly mint: ProfileTokenMinter,
    private readonly now: () => number,
  ) {}

  async tokenFor(userId: string): Promise<string> {
    const t = this.now();
    const hit = this.entries.get(userId);
    if (hit && hit.renewAt > t) return hit.token;
    const minted = await this.mint(userId);
    const renewAt =
      minted.exp === undefined ? t + NO_EXP_REUSE_MS : minted.exp * 1000 - RENEW_BEFORE_MS;
    this.entries.delete(userId);
    // Maps keep insertion order: the first key is the least recently minted.
    if (this.entries.size >= MAX_ENTRIES)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(userId, { token: minted.token, renewAt });
    return minted.token;
  }
}
