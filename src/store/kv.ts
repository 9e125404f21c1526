/**
 * The few storage operations token-bff needs, each atomic. Redis backs them in production;
 * the embedded memory store gives the same semantics inside one process.
 * Keys are relative: each implementation adds the configured prefix.
 */
export interface Kv {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when the key is absent (a lock, a one-time record). True when it was set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Sets `key` unless `guardKey` exists. True when it was set. */
  setUnlessGuarded(key: string, guardKey: string, value: string, ttlMs: number): Promise<boolean>;
  /** Reads and deletes in one step: a value can be taken once. */
  take(key: string): Promise<string | null>;
  /** Deletes only while the key still holds `value` (releasing a lock we own). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** Replaces the value only while it still equals `expected` (compare-and-set). */
  replaceIfEquals(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Appends `member` to a list kept to its newest `max` members, and returns the members that
   * fell off, so the caller can drop what they refer to.
   */
  pushCapped(listKey: string, member: string, max: number, ttlMs: number): Promise<string[]>;
  del(...keys: string[]): Promise<void>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
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
