/** Every limit the service enforces, in one place (bytes and milliseconds). */
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
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamFirstByteMs: number;
  readonly upstreamIdleMs: number;
  readonly proxyBodyBytes: number;
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
  upstreamConnectTimeoutMs: 5_000,
  upstreamFirstByteMs: 10_000,
  upstreamIdleMs: 30_000,
  proxyBodyBytes: 1024 * 1024,
});
