import type { Limits } from '../config';
import type { ProfileTokenMinter } from './mint-profile-token';

/** Profile tokens for the proxy, one per user, minted again shortly before they expire. */
export class ProfileTokenCache {
  private readonly entries = new Map<string, { token: string; renewAt: number }>();

  constructor(
    private readonly mint: ProfileTokenMinter,
    private readonly now: () => number,
    private readonly limits: Pick<
      Limits,
      'profileTokenRenewBeforeMs' | 'profileTokenNoExpiryReuseMs' | 'cacheEntries'
    >,
  ) {}

  async tokenFor(userId: string): Promise<string> {
    const t = this.now();
    const hit = this.entries.get(userId);
    if (hit && hit.renewAt > t) return hit.token;
    const minted = await this.mint(userId);
    const renewAt =
      minted.exp === undefined
        ? t + this.limits.profileTokenNoExpiryReuseMs
        : minted.exp * 1000 - this.limits.profileTokenRenewBeforeMs;
    this.entries.delete(userId);
    // Maps keep insertion order: the first key is the least recently minted.
    if (this.entries.size >= this.limits.cacheEntries)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(userId, { token: minted.token, renewAt });
    return minted.token;
  }
}
