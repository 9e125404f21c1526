/**
 * The few storage operations token-bff needs, each atomic. Redis backs them in production;
 * the embedded memory store gives the same semantics inside one process.
 * Keys are relative (each implementation adds the configured prefix) and come from the key
 * registry (`keys.ts`). An operation that names several keys only ever names keys of one hash
 * slot (one grant's keys), so every operation works on Redis Cluster too.
 */
export interface Kv {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent (a lock, a one-time record). True when it was set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets `key` unless it holds `blocker` now (a tombstone). True when it was set. */
  setUnlessValue(key: string, blocker: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets `key` to `value` and answers what it held before (null when nothing, or expired). */
  swap(key: string, value: string, ttlMs: number): Promise<string | null>;
  /** Reads and deletes in one step: a value can be taken once. */
  take(key: string): Promise<string | null>;
  /** Deletes only while the key still holds `value` (releasing a lock we own). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** Replaces the value only while it still equals `expected` (compare-and-set). */
  replaceIfEquals(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Lengthens the key's time to live to `ttlMs` (never shortens it). */
  extend(key: string, ttlMs: number): Promise<void>;
  /**
   * Appends `member` to a list kept to its newest `max` members, and returns the members that
   * fell off, so the caller can drop what they refer to.
   */
  pushCapped(listKey: string, member: string, max: number, ttlMs: number): Promise<string[]>;
  /** Sets one field of a hash; the hash lives at least `ttlMs` from now. */
  hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  /** Like hashSet, but only for a field that is there already (a link may lapse, never revive). */
  hashUpdate(key: string, field: string, value: string, ttlMs: number): Promise<boolean>;
  hashGet(key: string, field: string): Promise<string | null>;
  hashGetAll(key: string): Promise<Record<string, string>>;
  hashDelete(key: string, ...fields: string[]): Promise<void>;
  /**
   * Removes `field` from the hash at `key`, whose values are expiry times (ms since the epoch);
   * when no field is left that expires after `nowMs`, deletes the hash and `alsoDelete` with it.
   * Answers whether that happened.
   */
  hashDeleteLast(
    key: string,
    field: string,
    nowMs: number,
    alsoDelete: readonly string[],
  ): Promise<boolean>;
  /** `key`'s value while `hashKey` has `field`, else null: one read of a membership-gated value. */
  getIfMember(key: string, hashKey: string, field: string): Promise<string | null>;
  /**
   * Counts `by` (default 1) more hits in the fixed window of `windowMs` that holds `nowMs` (the
   * caller's clock: the store keeps none of its own for windows). Windows are aligned to the
   * epoch, so every instance agrees on them without asking the store, and a count costs one
   * plain INCRBY (no script). Answers the hits so far in this window, these included, and when
   * it ends (ms since the epoch).
   */
  increment(
    key: string,
    windowMs: number,
    nowMs: number,
    by?: number,
  ): Promise<{ hits: number; resetAt: number }>;
  /** Takes one hit back from the window holding `nowMs` (a hit the limit should not count). */
  decrement(key: string, windowMs: number, nowMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  /**
   * Resolves once connected, or rejects with StoreUnavailableError after `timeoutMs`: start-up
   * (the service before it listens, the CLI, the doctor) waits this long at most. Commands never
   * wait: while the store is down each one fails at once.
   */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  readonly kind: 'redis' | 'memory';
}

/** The store could not be reached or did not answer in time. Rendered as 503 store_unavailable. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the session store is unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** The counter of the `windowMs` window that holds `nowMs` (same hash slot as `key`), and its end. */
export function windowCounter(key: string, windowMs: number, nowMs: number) {
  const index = Math.floor(nowMs / windowMs);
  return { key: `${key}:${index}`, endsAt: (index + 1) * windowMs };
}
