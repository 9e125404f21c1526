import type { Kv } from './kv';

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The zero-setup store for a first run: one process, nothing survives a restart.
 * Expired entries are dropped on read and by a periodic sweep, so memory stays bounded by
 * what is live.
 */
export class MemoryKv implements Kv {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async setUnlessGuarded(key: string, guardKey: string, value: string, ttlMs: number) {
    if (this.live(guardKey)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.live(key)?.value !== value) return false;
    this.entries.delete(key);
    return true;
  }

  async replaceIfEquals(key: string, expected: string, value: string, ttlMs: number) {
    if (this.live(key)?.value !== expected) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async pushCapped(listKey: string, member: string, max: number, ttlMs: number) {
    const list = JSON.parse(this.live(listKey)?.value ?? '[]') as string[];
    list.push(member);
    const evicted = list.splice(0, Math.max(0, list.length - max));
    await this.set(listKey, JSON.stringify(list), ttlMs);
    return evicted;
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
