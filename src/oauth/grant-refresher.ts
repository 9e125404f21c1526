import type { Logger } from 'pino';
import { problems } from '../http/problems';
import type { GrantLock, GrantStore, StoredGrant } from './grant-store';
import type { GrantedTokens, OAuthProvider } from './provider';
import { providerProblem } from './provider-problem';
import { noteLockHeldElsewhere, traceRefresh, traceWait, type TracedRefresh } from './oauth-spans';
import {
  ProviderError,
  type ProviderFailure,
  type TokenEndpointClient,
} from './token-endpoint-client';

// How often a waiting instance looks whether the lock holder is done: well under a token call.
const POLL_MS = 20;

/**
 * What a refresh call came to, as metrics count it. `misconfigured` (the provider refused our
 * client) and `subject_changed` are the operator's to look at: no user can cure them.
 */
export type RefreshOutcome =
  | 'ok'
  | 'refused'
  | 'misconfigured'
  | 'unusable'
  | 'subject_changed'
  | 'provider_error'
  | 'timeout';

const OUTCOME_OF: Record<ProviderFailure, RefreshOutcome> = {
  refused: 'refused',
  misconfigured: 'misconfigured',
  unusable: 'unusable',
  subject_changed: 'subject_changed',
  unavailable: 'provider_error',
  timeout: 'timeout',
};

/** The request whose call made a refresh: who is named when the provider refuses it. */
export interface RefreshCaller {
  userId: string;
  /** The session's device handle. */
  device?: string;
  ip?: string;
}

export interface RefusedGrant {
  grantId: string;
  subject: string;
  /** Sessions linked to the grant when it was refused. */
  linked: number;
  by?: RefreshCaller;
}

export interface RefresherDeps {
  provider: OAuthProvider;
  grants: GrantStore;
  tokenClient: TokenEndpointClient;
  now: () => number;
  /** The token endpoint's whole-call timeout: the lock's lease outlives it. */
  tokenTimeoutMs: number;
  /** A token with less than this left is refreshed before use. */
  refreshMarginMs: number;
  retryAfterSeconds: number;
  /** After a refresh, an upstream 401 does not refresh the grant again for this long. */
  rejectionCooldownMs: number;
  /** Counts one token-endpoint refresh of the grant; throws 429 rate_limited once over. */
  countRefresh: (grantId: string) => Promise<void>;
  onRefresh: (outcome: RefreshOutcome) => void;
  /** A caller got its token from another caller's refresh. */
  onWait: () => void;
  /** The provider refused a grant (it is forgotten now). */
  onGrantRefused: (refused: RefusedGrant) => void;
  /** For what the operator must fix: our client refused, an answer naming another subject. */
  log: Pick<Logger, 'error' | 'warn'>;
}

/**
 * Keeps grants' access tokens fresh. The provider keeps one refresh token per user and client,
 * and issuing a new one kills the old, so two refreshes of one grant must never race: within a
 * process every caller shares one promise, and across processes the grant's lock in the store
 * (leased longer than the token call) lets one refresh while the others wait and re-read.
 * Writes are compare-and-set, so a new connection that replaced the grant meanwhile wins over a
 * refresh.
 *
 * Two guards keep the token endpoint from being hammered through us: a per-grant rate limit
 * counted before every refresh call, and a short cooldown after each refresh during which an
 * upstream 401 refreshes nothing (a token refused right after it was issued is not cured by
 * another one; without this, every 401 would cost one token-endpoint call).
 */
export class GrantRefresher {
  private readonly inflight = new Map<string, TracedRefresh<GrantedTokens>>();
  private readonly leaseMs: number;

  constructor(private readonly deps: RefresherDeps) {
    this.leaseMs = deps.tokenTimeoutMs + 2_000;
  }

  /** Tokens good for at least the refresh margin, refreshed first when they are not. */
  async usable(grantId: string, stored: StoredGrant, by?: RefreshCaller): Promise<GrantedTokens> {
    if (stored.tokens.expiresAt - this.deps.now() > this.deps.refreshMarginMs) return stored.tokens;
    return this.refreshOnce(grantId, stored.tokens.accessToken, 'expiry', by);
  }

  /**
   * After the API refused `rejectedAccessToken`: fresher tokens, unless some are stored already.
   * Within the cooldown after a refresh, the same tokens again (no token-endpoint call): the
   * caller's replay then meets the upstream's 401, which is what the caller gets.
   */
  afterRejection(
    grantId: string,
    rejectedAccessToken: string,
    by?: RefreshCaller,
  ): Promise<GrantedTokens> {
    return this.refreshOnce(grantId, rejectedAccessToken, 'rejection', by);
  }

  private refreshOnce(
    grantId: string,
    staleAccessToken: string,
    reason: 'expiry' | 'rejection',
    by: RefreshCaller | undefined,
  ): Promise<GrantedTokens> {
    const running = this.inflight.get(grantId);
    if (running) {
      this.deps.onWait();
      return traceWait(this.deps.provider.name, running);
    }
    const refreshing = traceRefresh(this.deps.provider.name, reason, () =>
      this.refreshAcrossInstances(grantId, staleAccessToken, reason, by).finally(() =>
        this.inflight.delete(grantId),
      ),
    );
    this.inflight.set(grantId, refreshing);
    return refreshing.result;
  }

  private async refreshAcrossInstances(
    grantId: string,
    staleAccessToken: string,
    reason: 'expiry' | 'rejection',
    by: RefreshCaller | undefined,
  ): Promise<GrantedTokens> {
    const { grants, provider } = this.deps;
    const lock = grants.lock(grantId);
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
      // The stored tokens are the fresh ones the API just refused: no second refresh for that.
      if (reason === 'rejection' && (await grants.recentlyRefreshed(grantId))) {
        return stored.tokens;
      }
      if (await lock.acquire(this.leaseMs)) {
        try {
          return await this.refreshHoldingLock(grantId, stored, by);
        } finally {
          await lock.release();
        }
      }
      noteLockHeldElsewhere();
      await this.released(lock);
    }
  }

  private async refreshHoldingLock(
    grantId: string,
    stored: StoredGrant,
    by: RefreshCaller | undefined,
  ): Promise<GrantedTokens> {
    const { grants, tokenClient } = this.deps;
    // Nothing to refresh with (the provider never gave a refresh token): the grant ends here, as
    // a refused one does, rather than asking the provider a question it can only refuse.
    if (stored.tokens.refreshToken === '') return this.refused(grantId, stored, by);
    // Counted before the call: a grant over its budget costs the provider nothing.
    await this.deps.countRefresh(grantId);
    let granted;
    try {
      // One attempt: a refresh token that was sent may have been rotated already, so a call
      // that timed out is never sent again with the same token.
      granted = await tokenClient.refresh(stored.tokens);
    } catch (err) {
      // Anything else thrown on the way is no verdict on the grant either.
      const failure = err instanceof ProviderError ? err : new ProviderError('unavailable');
      this.deps.onRefresh(OUTCOME_OF[failure.kind]);
      this.report(failure);
      if (failure.kind === 'refused') return this.refused(grantId, stored, by);
      throw providerProblem(this.deps.provider, failure, {
        kind: 'refresh',
        retryAfterSeconds: this.deps.retryAfterSeconds,
      });
    }
    this.deps.onRefresh('ok');
    // Before the tokens are written, so whoever reads them sees the cooldown too. Best effort: a
    // lost cooldown costs one more refresh at most, while a failure here would lose the tokens
    // the provider just rotated.
    if (this.deps.rejectionCooldownMs > 0) {
      await grants.markRefreshed(grantId, this.deps.rejectionCooldownMs).catch(() => undefined);
    }
    // Compare-and-set: a reconnect that replaced the grant meanwhile wins over this write.
    if (await grants.replace(grantId, stored.version, granted)) return granted;
    const newer = await grants.read(grantId);
    if (!newer) throw problems.reauthorizationRequired(this.deps.provider);
    return newer.tokens;
  }

  /** The provider refused the refresh token: the grant is forgotten, unless it was replaced. */
  private async refused(
    grantId: string,
    stored: StoredGrant,
    by: RefreshCaller | undefined,
  ): Promise<GrantedTokens> {
    const { grants, provider } = this.deps;
    const linked = await grants.linkedSessions(grantId);
    if (await grants.forgetIfUnchanged(grantId, stored.version)) {
      const { subject } = stored.tokens;
      this.deps.onGrantRefused({ grantId, subject, linked: linked.length, by });
      throw problems.reauthorizationRequired(provider);
    }
    const newer = await grants.read(grantId);
    if (!newer) throw problems.reauthorizationRequired(provider);
    return newer.tokens;
  }

  /** Tells the operator about the failures only they can fix (never a token or a secret). */
  private report(err: ProviderError): void {
    const about = { provider: this.deps.provider.name, providerCode: err.providerCode };
    if (err.kind === 'misconfigured') {
      this.deps.log.error(
        about,
        'the token endpoint refused our client (check its credentials and the token URL); grants kept',
      );
    } else if (err.kind === 'subject_changed') {
      this.deps.log.warn(about, 'a refresh answer named another subject: nothing stored');
    }
  }

  private unavailable() {
    return problems.providerUnavailable(
      this.deps.provider,
      'refresh the grant',
      this.deps.retryAfterSeconds,
    );
  }

  /**
   * Waits for the holder to let go, at most one lease. The real clock on purpose, not `now`:
   * the wait sleeps in real time and the lease runs out in the store's, so a test's clock that
   * stands still must not make it wait for ever.
   */
  private async released(lock: GrantLock): Promise<void> {
    const deadline = Date.now() + this.leaseMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!(await lock.isHeld())) return;
    }
  }
}
