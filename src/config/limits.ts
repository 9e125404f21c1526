/**
 * Every limit and timing the service enforces, in one place (bytes, milliseconds, counts).
 * Three are configurable (PROXY_BODY_LIMIT_BYTES, UPSTREAM_TIMEOUT_MS, UPSTREAM_IDLE_TIMEOUT_MS);
 * the rest are fixed here because no deployment has needed another value, and a knob nobody
 * turns is one more thing to get wrong.
 */
export interface Limits {
  readonly jsonBodyBytes: number;
  readonly maxHeaderBytes: number;
  /** Request header lines, counted as they came (repeats included). */
  readonly maxHeaderCount: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly redisCommandTimeoutMs: number;
  readonly redisConnectTimeoutMs: number;
  readonly jwksTimeoutMs: number;
  /** How long a fetched JWKS is trusted before a new key id may trigger another fetch. */
  readonly jwksCooldownMs: number;
  readonly upstreamConnectTimeoutMs: number;
  /** Idle keep-alive sockets to the providers are closed after this. */
  readonly upstreamKeepAliveMs: number;
  readonly upstreamFirstByteMs: number;
  readonly upstreamIdleMs: number;
  readonly proxyBodyBytes: number;
  /** Proxied bodies up to this size are read first, so a call can be replayed after a refresh. */
  readonly replayableBodyBytes: number;
  /** Path and query of a proxied call. */
  readonly proxyTargetBytes: number;
  /** The token endpoint's answer. */
  readonly tokenResponseBytes: number;
  readonly idTokenBytes: number;
  readonly returnToLength: number;
  readonly authorizationCodeLength: number;
  /** Clock skew accepted on app ID tokens (exp, nbf, iat). */
  readonly clockToleranceSeconds: number;
  /** OAuth flows a session may have open at once: enough for a few tabs, too few to fill the store. */
  readonly openFlowsPerSession: number;
  /** A provider access token with less than this left is refreshed before it is used. */
  readonly refreshMarginMs: number;
  /** A minted LiveLike token is reused by the proxy until this close to its expiry. */
  readonly profileTokenRenewBeforeMs: number;
  /** Tokens minted without expiry (TTL 0) are still minted again this often. */
  readonly profileTokenNoExpiryReuseMs: number;
  /** In-process caches (minted profile tokens, decrypted token sets): entries at most. */
  readonly cacheEntries: number;
  readonly storeRetryAfterSeconds: number;
  readonly providerRetryAfterSeconds: number;
  /** The window of every rate limit (RATE_LIMIT_* count requests per window). */
  readonly rateLimitWindowMs: number;
  /**
   * Clients of one rate limit holding a lease of hits (claimed from the store a few at a time)
   * in one window; past it, a client's hits are claimed one store command each.
   */
  readonly rateLimitLeases: number;
  /**
   * After a grant was refreshed, an upstream 401 does not refresh it again for this long: the
   * 401 reaches the caller. (A fresh token refused at once is not fixed by a fresher one, and
   * without this every 401 would cost one token-endpoint call.)
   */
  readonly refreshAfterRejectionCooldownMs: number;
  /**
   * Live sessions one user may have; a login past it ends the user's oldest. (An ID token can be
   * replayed until it expires: without a cap, one token could fill the store and the device list.)
   */
  readonly sessionsPerUser: number;
  /** GET /sessions answers at most this many devices a page. */
  readonly devicesPageSize: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  jsonBodyBytes: 16 * 1024,
  maxHeaderBytes: 16 * 1024,
  // A browser sends about 20; a flood of tiny headers would otherwise push ours out upstream.
  maxHeaderCount: 100,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Below the 60 s idle timeout of common load balancers, so they never reuse a socket we closed.
  keepAliveTimeoutMs: 5_000,
  redisCommandTimeoutMs: 1_000,
  redisConnectTimeoutMs: 2_000,
  jwksTimeoutMs: 5_000,
  jwksCooldownMs: 30_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamKeepAliveMs: 10_000,
  upstreamFirstByteMs: 10_000,
  upstreamIdleMs: 30_000,
  proxyBodyBytes: 1024 * 1024,
  replayableBodyBytes: 64 * 1024,
  proxyTargetBytes: 8 * 1024,
  tokenResponseBytes: 64 * 1024,
  idTokenBytes: 8 * 1024,
  returnToLength: 2048,
  authorizationCodeLength: 2048,
  clockToleranceSeconds: 30,
  openFlowsPerSession: 5,
  refreshMarginMs: 60_000,
  profileTokenRenewBeforeMs: 60_000,
  profileTokenNoExpiryReuseMs: 3600_000,
  cacheEntries: 10_000,
  storeRetryAfterSeconds: 2,
  providerRetryAfterSeconds: 5,
  rateLimitWindowMs: 60_000,
  // About 220 bytes each (key included): a minute of 50,000 users costs ~10 MiB per limit.
  rateLimitLeases: 50_000,
  refreshAfterRejectionCooldownMs: 5_000,
  // More devices than a person has, few enough that GET /sessions stays one small page.
  sessionsPerUser: 50,
  devicesPageSize: 50,
});
