import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { keys } from '../store/keys';
import { windowCounter, type Kv } from '../store/kv';

/**
 * express-rate-limit's Store over our Kv: one fixed-window counter per (limit, client, window)
 * under `keys.rateLimit(limit, client)`, so every instance on one store shares one budget.
 *
 * Why not rate-limit-redis: it needs a raw `sendCommand` on one Redis connection and loads its
 * own Lua script per store. Our Kv already runs on a single Redis, Sentinel, Cluster and the
 * embedded memory store, with one prefix, one command timeout and fail-fast errors
 * (StoreUnavailableError ⇒ 503 store_unavailable); counting through it keeps rate limits on
 * exactly the same footing as sessions, with nothing to configure twice.
 *
 * Errors are not caught here: with `passOnStoreError: false` express-rate-limit hands them to
 * `next`, so an outage answers 503 like every session route, never an unlimited pass.
 */
export class KvRateLimitStore implements Store {
  /** Counters live in the shared store, not in this process. */
  readonly localKeys = false;
  /** express-rate-limit's double-count check tells limiters apart by it. */
  readonly prefix: string;
  private windowMs = 60_000;

  constructor(
    private readonly kv: Kv,
    private readonly limit: string,
  ) {
    this.prefix = `${limit}:`;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { hits, resetAt } = await this.kv.increment(this.keyOf(key), this.windowMs);
    return { totalHits: hits, resetTime: new Date(resetAt) };
  }

  async decrement(key: string): Promise<void> {
    await this.kv.decrement(this.keyOf(key), this.windowMs);
  }

  async resetKey(key: string): Promise<void> {
    await this.kv.del(windowCounter(this.keyOf(key), this.windowMs, Date.now()).key);
  }

  private keyOf(client: string): string {
    return keys.rateLimit(this.limit, client);
  }
}
