import { windowCounter, type Kv } from './kv';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

// Expired entries are dropped on read; the sweep bounds what nobody reads again.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The zero-setup store for a first run: one process, nothing survives a restart.
 * Every operation completes synchronously inside its promise, which is what makes each one
 * atomic here, as a Lua script is in Redis.
 */
export class MemoryKv implements Kv {
  readonly kind = 'memory';
  private readonly strings = new Map<string, Entry<string>>();
  private readonly hashes = new Map<string, Entry<Map<string, string>>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(this.strings, key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.hashes.delete(key);
    this.strings.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(this.strings, key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async setUnlessValue(key: string, blocker: string, value: string, ttlMs: number) {
    if (this.live(this.strings, key)?.value === blocker) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async swap(key: string, value: string, ttlMs: number): Promise<string | null> {
    const before = this.live(this.strings, key)?.value ?? null;
    await this.set(key, value, ttlMs);
    return before;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(this.strings, key);
    this.strings.delete(key);
    return entry?.value ?? null;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(this.strings, key)?.value !== value) return false;
    this.strings.delete(key);
    return true;
  }

  async replaceIfEquals(key: string, expected: string, value: string, ttlMs: number) {
    if (this.live(this.strings, key)?.value !== expected) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async extend(key: string, ttlMs: number): Promise<void> {
    const entry = this.live(this.strings, key) ?? this.live(this.hashes, key);
    if (entry) entry.expiresAt = Math.max(entry.expiresAt, this.now() + ttlMs);
  }

  async pushCapped(listKey: string, member: string, max: number, ttlMs: number) {
    const list = JSON.parse(this.live(this.strings, listKey)?.value ?? '[]') as string[];
    list.push(member);
    const evicted = list.splice(0, Math.max(0, list.length - max));
    await this.set(listKey, JSON.stringify(list), ttlMs);
    return evicted;
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const expiresAt = this.now() + ttlMs;
    const entry = this.live(this.hashes, key);
    if (entry) {
      entry.value.set(field, value);
      entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      return;
    }
    this.strings.delete(key);
    this.hashes.set(key, { value: new Map([[field, value]]), expiresAt });
  }

  async hashUpdate(key: string, field: string, value: string, ttlMs: number) {
    if (!this.live(this.hashes, key)?.value.has(field)) return false;
    await this.hashSet(key, field, value, ttlMs);
    return true;
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    return this.live(this.hashes, key)?.value.get(field) ?? null;
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.live(this.hashes, key)?.value ?? []);
  }

  async hashDelete(key: string, ...fields: string[]): Promise<void> {
    const entry = this.live(this.hashes, key);
    if (!entry) return;
    for (const field of fields) entry.value.delete(field);
    if (entry.value.size === 0) this.hashes.delete(key);
  }

  async hashDeleteLast(key: string, field: string, nowMs: number, alsoDelete: readonly string[]) {
    const entry = this.live(this.hashes, key);
    entry?.value.delete(field);
    const left = [...(entry?.value.values() ?? [])].some((v) => Number(v) > nowMs);
    if (left) return false;
    await this.del(key, ...alsoDelete);
    return true;
  }

  async getIfMember(key: string, hashKey: string, field: string): Promise<string | null> {
    if (!this.live(this.hashes, hashKey)?.value.has(field)) return null;
    return this.get(key);
  }

  async increment(key: string, windowMs: number, nowMs: number, by = 1) {
    const counter = windowCounter(key, windowMs, nowMs);
    const entry = this.live(this.strings, counter.key);
    if (!entry) {
      // The window's time left by the caller's clock, which chose the window.
      await this.set(counter.key, String(by), counter.endsAt - nowMs);
      return { hits: by, resetAt: counter.endsAt };
    }
    entry.value = String(Number(entry.value) + by);
    return { hits: Number(entry.value), resetAt: counter.endsAt };
  }

  async decrement(key: string, windowMs: number, nowMs: number): Promise<void> {
    const entry = this.live(this.strings, windowCounter(key, windowMs, nowMs).key);
    if (entry && Number(entry.value) > 0) entry.value = String(Number(entry.value) - 1);
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.strings.delete(key);
      this.hashes.delete(key);
    }
  }

  async ping(): Promise<void> {}

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.strings.clear();
    this.hashes.clear();
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const map of [this.strings, this.hashes] as Map<string, Entry<unknown>>[])
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
  }
}
