import type { Limits } from '../config';
import { putBounded } from '../store/bounded-map';
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
    putBounded(this.entries, userId, { token: minted.token, renewAt }, this.limits.cacheEntries);
    return minted.token;
  }
}
