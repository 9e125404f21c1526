import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import { keys } from '../store/keys';
import { windowCounter, type Kv } from '../store/kv';
import { LeasedCounter } from './leased-counter';

export interface KvRateLimitStoreOptions {
  /** The limit's name: its counters are `keys.rateLimit(name, client)`. */
  name: string;
  /** Requests per window (the same as express-rate-limit's `limit`). */
  limit: number;
  windowMs: number;
  now: () => number;
  /** Clients holding a lease of hits at once (see LeasedCounter). */
  maxLeases: number;
}

/**
 * express-rate-limit's Store over our Kv: one fixed-window counter per (limit, client, window)
 * under `keys.rateLimit(limit, client)`, so every instance on one store shares one budget. Hits
 * are claimed from it a few at a time (LeasedCounter), not one store command each.
 *
 * Why not rate-limit-redis: it needs a raw `sendCommand` on one Redis connection and loads its
 * own Lua script per store. Our Kv already runs on a single Redis, Sentinel, Cluster and the
 * embedded memory store, with one prefix, one command timeout and fail-fast errors
 * (StoreUnavailableError ⇒ 503 store_unavailable); counting through it keeps rate limits on
 * exactly the same footing as sessions, with nothing to configure twice.
 *
 * Errors are not caught here: with `passOnStoreError: false` express-rate-limit hands them to
 * `next`, so an outage answers 503 like every session route, never an unlimited pass (hits
 * leased before it are still handed out: the store counted them).
 */
export class KvRateLimitStore implements Store {
  /** Counters live in the shared store, not in this process. */
  readonly localKeys = false;
  /** express-rate-limit's double-count check tells limiters apart by it. */
  readonly prefix: string;
  private readonly counter: LeasedCounter;

  constructor(
    private readonly kv: Kv,
    private readonly options: KvRateLimitStoreOptions,
  ) {
    const { name, limit, windowMs, now, maxLeases } = options;
    this.prefix = `${name}:`;
    this.counter = new LeasedCounter({
      limit,
      windowMs,
      claim: (key, by) => kv.increment(key, windowMs, now(), by),
      now,
      maxLeases,
    });
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { hits, resetAt } = await this.counter.hit(this.keyOf(key));
    return { totalHits: hits, resetTime: new Date(resetAt) };
  }

  async decrement(key: string): Promise<void> {
    const { windowMs, now } = this.options;
    await this.kv.decrement(this.keyOf(key), windowMs, now());
    this.counter.tookBack(this.keyOf(key));
  }

  async resetKey(key: string): Promise<void> {
    const { windowMs, now } = this.options;
    await this.kv.del(windowCounter(this.keyOf(key), windowMs, now()).key);
    this.counter.forget(this.keyOf(key));
  }

  private keyOf(client: string): string {
    return keys.rateLimit(this.options.name, client);
  }
}
