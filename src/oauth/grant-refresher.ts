import { problems } from '../http/problems';
import type { Kv } from '../store/kv';
import { randomHandle } from './authorization-url';
import type { GrantStore, StoredGrant } from './grant-store';
import type { GrantedTokens, OAuthProvider } from './provider';
import { ProviderError, type TokenEndpointClient } from './token-endpoint-client';

// How often a waiting instance looks whether the lock holder is done: well under a token call.
const POLL_MS = 20;

export type RefreshOutcome = 'ok' | 'refused' | 'provider_error' | 'timeout';

export interface RefresherDeps {
  provider: OAuthProvider;
  kv: Kv;
  grants: GrantStore;
  tokenClient: TokenEndpointClient;
  now: () => number;
  /** The token endpoint's whole-call timeout: the lock's lease outlives it. */
  tokenTimeoutMs: number;
  /** A token with less than this left is refreshed before use. */
  refreshMarginMs: number;
  retryAfterSeconds: number;
  onRefresh: (outcome: RefreshOutcome) => void;
  /** A caller got its token from another caller's refresh. */
  onWait: () => void;
  /** The provider refused a grant; `sessions` were linked to it. */
  onGrantRefused: (sessions: number) => void;
}

/**
 * Keeps grants' access tokens fresh. The provider keeps one refresh token per user and client,
 * and issuing a new one kills the old, so two refreshes of one grant must never race: within a
 * process every caller shares one promise, and across processes a Redis lock (owner token, lease
 * longer than the token call) lets one refresh while the others wait and re-read. Writes are
 * compare-and-set, so a new connection that replaced the grant meanwhile wins over a refresh.
 */
export class GrantRefresher {
  private readonly inflight = new Map<string, Promise<GrantedTokens>>();
  private readonly leaseMs: number;

  constructor(private readonly deps: RefresherDeps) {
    this.leaseMs = deps.tokenTimeoutMs + 2_000;
  }

  /** Tokens good for at least the refresh margin, refreshed first when they are not. */
  async usable(grantId: string, stored: StoredGrant): Promise<GrantedTokens> {
    if (stored.tokens.expiresAt - this.deps.now() > this.deps.refreshMarginMs) return stored.tokens;
    return this.refreshOnce(grantId, stored.tokens.accessToken);
  }

  /** After the API refused `rejectedAccessToken`: fresher tokens, unless some are stored already. */
  afterRejection(grantId: string, rejectedAccessToken: string): Promise<GrantedTokens> {
    return this.refreshOnce(grantId, rejectedAccessToken);
  }

  private refreshOnce(grantId: string, staleAccessToken: string): Promise<GrantedTokens> {
    const running = this.inflight.get(grantId);
    if (running) {
      this.deps.onWait();
      return running;
    }
    const refreshing = this.refreshAcrossInstances(grantId, staleAccessToken).finally(() =>
      this.inflight.delete(grantId),
    );
    this.inflight.set(grantId, refreshing);
    return refreshing;
  }

  private async refreshAcrossInstances(
    grantId: string,
    staleAccessToken: string,
  ): Promise<GrantedTokens> {
    const { kv, grants, provider } = this.deps;
    const lockKey = grants.keysOf(grantId).lock;
    const owner = randomHandle();
    for (let waited = false; ; waited = true) {
      const stored = await grants.read(grantId);
      // Gone: another instance was refused and forgot the grant (or it was disconnected).
      if (!stored) throw problems.reauthorizationRequired(provider);
      // Already refreshed (or reconnected) by someone else: use theirs.
      if (stored.tokens.accessToken !== staleAccessToken) {
        if (waited) this.deps.onWait();
        return stored.tokens;
      }
      // The holder finished without new tokens (the provider failed it): not our turn to retry.
      if (waited) throw this.unavailable();
      if (await kv.setIfAbsent(lockKey, owner, this.leaseMs)) {
        try {
          return await this.refreshHoldingLock(grantId, stored);
        } finally {
          await kv.deleteIfEquals(lockKey, owner);
        }
      }
      await this.released(lockKey);
    }
  }

  private async refreshHoldingLock(grantId: string, stored: StoredGrant): Promise<GrantedTokens> {
    const { grants, tokenClient, provider } = this.deps;
    let granted;
    try {
      // One attempt: a refresh token that was sent may have been rotated already, so a call
      // that timed out is never sent again with the same token.
      granted = await tokenClient.refresh(stored.tokens.refreshToken, stored.tokens.scopes);
    } catch (err) {
      const kind = err instanceof ProviderError ? err.kind : 'unavailable';
      this.deps.onRefresh(
        kind === 'refused' ? 'refused' : kind === 'timeout' ? 'timeout' : 'provider_error',
      );
      if (kind === 'refused') return this.refused(grantId, stored);
      if (kind === 'timeout') throw problems.providerTimeout(provider, 'refresh the grant');
      throw this.unavailable();
    }
    this.deps.onRefresh('ok');
    // Compare-and-set: a reconnect that replaced the grant meanwhile wins over this write.
    if (await grants.replace(grantId, stored.version, granted)) return granted;
    const newer = await grants.read(grantId);
    if (!newer) throw problems.reauthorizationRequired(provider);
    return newer.tokens;
  }

  /** The provider refused the refresh token: the grant is forgotten, unless it was replaced. */
  private async refused(grantId: string, stored: StoredGrant): Promise<GrantedTokens> {
    const { grants, provider } = this.deps;
    const linked = await grants.linkedSessions(grantId);
    if (await grants.forgetIfUnchanged(grantId, stored.version)) {
      this.deps.onGrantRefused(linked.length);
      throw problems.reauthorizationRequired(provider);
    }
    const newer = await grants.read(grantId);
    if (!newer) throw problems.reauthorizationRequired(provider);
    return newer.tokens;
  }

  private unavailable() {
    return problems.providerUnavailable(
      this.deps.provider,
      'refresh the grant',
      this.deps.retryAfterSeconds,
    );
  }

  private async released(lockKey: string): Promise<void> {
    const deadline = Date.now() + this.leaseMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if ((await this.deps.kv.get(lockKey)) === null) return;
    }
  }
}
