import { HttpProblem } from '../http/http-problem';
import type { Kv } from '../store/kv';
import { randomHandle } from './authorization-url';
import { ProviderError, type TokenEndpointClient } from './token-endpoint-client';
import type { StoredTokenSet, TokenSet, TokenSetStore } from './token-set-store';

// Refresh when the access token has less than this left, so no call goes out on a dying token.
const PROACTIVE_MARGIN_MS = 60_000;
const POLL_MS = 20;

export interface RefresherDeps {
  kv: Kv;
  tokenSets: TokenSetStore;
  tokenClient: TokenEndpointClient;
  now: () => number;
  /** The token endpoint's whole-call timeout: the lock's lease outlives it. */
  tokenTimeoutMs: number;
}

const providerUnavailable = () =>
  new HttpProblem(503, 'provider_unavailable', 'LikeCoin could not refresh the grant just now.', {
    'Retry-After': '5',
  });
const notConnected = () =>
  new HttpProblem(401, 'likecoin_not_connected', 'Connect a LikeCoin account first.');
const reauthorize = () =>
  new HttpProblem(
    401,
    'likecoin_reauthorization_required',
    'LikeCoin no longer accepts this grant; connect again.',
  );

/**
 * Keeps a session's LikeCoin access token fresh. LikeCoin keeps one refresh token per user and
 * client, and issuing a new one kills the old, so two refreshes of one grant must never race:
 * within a process every caller shares one promise, and across processes a Redis lock (owner
 * token, lease longer than the token call) lets one refresh while the others wait and re-read.
 */
export class TokenRefresher {
  private readonly inflight = new Map<string, Promise<TokenSet>>();
  private readonly leaseMs: number;

  constructor(private readonly deps: RefresherDeps) {
    this.leaseMs = deps.tokenTimeoutMs + 2_000;
  }

  /** A token set good for at least the next minute, refreshed first when it is not. */
  async usable(sessionId: string): Promise<TokenSet> {
    const stored = await this.deps.tokenSets.read(sessionId);
    if (!stored) throw notConnected();
    if (stored.set.expiresAt - this.deps.now() > PROACTIVE_MARGIN_MS) return stored.set;
    return this.refreshOnce(sessionId, stored.set.accessToken);
  }

  /** After the API refused `rejectedAccessToken`: a refreshed set, unless one is already stored. */
  afterRejection(sessionId: string, rejectedAccessToken: string): Promise<TokenSet> {
    return this.refreshOnce(sessionId, rejectedAccessToken);
  }

  private refreshOnce(sessionId: string, staleAccessToken: string): Promise<TokenSet> {
    const running = this.inflight.get(sessionId);
    if (running) return running;
    const refreshing = this.refreshAcrossInstances(sessionId, staleAccessToken).finally(() =>
      this.inflight.delete(sessionId),
    );
    this.inflight.set(sessionId, refreshing);
    return refreshing;
  }

  private async refreshAcrossInstances(
    sessionId: string,
    staleAccessToken: string,
  ): Promise<TokenSet> {
    const { kv, tokenSets } = this.deps;
    const lockKey = `likecoin:refresh-lock:${sessionId}`;
    const owner = randomHandle();
    for (let waited = false; ; waited = true) {
      const stored = await tokenSets.read(sessionId);
      // Gone: another instance was refused and forgot the grant (or the user disconnected).
      if (!stored) throw waited ? reauthorize() : notConnected();
      // Already refreshed by someone else: use theirs.
      if (stored.set.accessToken !== staleAccessToken) return stored.set;
      // The holder finished without a new set (the provider failed it): not our turn to retry.
      if (waited) throw providerUnavailable();
      if (await kv.setIfAbsent(lockKey, owner, this.leaseMs)) {
        try {
          return await this.refreshHoldingLock(sessionId, stored);
        } finally {
          await kv.deleteIfEquals(lockKey, owner);
        }
      }
      await this.released(lockKey);
    }
  }

  private async refreshHoldingLock(sessionId: string, stored: StoredTokenSet): Promise<TokenSet> {
    const { tokenSets, tokenClient } = this.deps;
    let granted;
    try {
      // One attempt: a refresh token that was sent may have been rotated already, so a call
      // that timed out is never sent again with the same token.
      granted = await tokenClient.refresh(stored.set.refreshToken, stored.set.scopes);
    } catch (err) {
      if (err instanceof ProviderError && err.kind === 'refused') {
        await tokenSets.forgetIfUnchanged(sessionId, stored.version);
        throw reauthorize();
      }
      if (err instanceof ProviderError && err.kind === 'timeout') {
        throw new HttpProblem(
          504,
          'provider_timeout',
          'LikeCoin did not answer the refresh in time.',
        );
      }
      throw providerUnavailable();
    }
    const next: TokenSet = granted;
    // Compare-and-set: a disconnect or logout that happened meanwhile wins over this write.
    if (!(await tokenSets.replace(sessionId, stored.version, next))) throw notConnected();
    return next;
  }

  private async released(lockKey: string): Promise<void> {
    const deadline = Date.now() + this.leaseMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if ((await this.deps.kv.get(lockKey)) === null) return;
    }
  }
}
