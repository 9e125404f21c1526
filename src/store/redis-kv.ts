import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-client';
import { defineScripts, type Scripts } from './redis-scripts';
import { StoreUnavailableError, windowCounter, type Kv } from './kv';

export class RedisKv implements Kv {
  readonly kind = 'redis';
  private readonly redis: RedisClient & Scripts;

  /** Works on one node, a Sentinel-managed master or a Cluster (see `del`). */
  constructor(redis: RedisClient) {
    this.redis = defineScripts(redis);
    // Connection errors reach callers as StoreUnavailableError, command by command; without a
    // listener ioredis would also print each reconnect failure to stderr.
    redis.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  private lastError: Error | undefined;

  get client(): RedisClient {
    return this.redis;
  }

  get(key: string) {
    return this.run(() => this.redis.get(key));
  }

  async set(key: string, value: string, ttlMs: number) {
    await this.run(() => this.redis.set(key, value, 'PX', ttlMs));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number) {
    return (await this.run(() => this.redis.set(key, value, 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async setUnlessValue(key: string, blocker: string, value: string, ttlMs: number) {
    return (await this.run(() => this.redis.kvSetUnlessValue(key, blocker, value, ttlMs))) === 1;
  }

  swap(key: string, value: string, ttlMs: number) {
    return this.run(() => this.redis.set(key, value, 'PX', ttlMs, 'GET'));
  }

  take(key: string) {
    return this.run(() => this.redis.getdel(key));
  }

  async deleteIfEquals(key: string, value: string) {
    return (await this.run(() => this.redis.kvDeleteIfEquals(key, value))) === 1;
  }

  async replaceIfEquals(key: string, expected: string, value: string, ttlMs: number) {
    return (await this.run(() => this.redis.kvReplaceIfEquals(key, expected, value, ttlMs))) === 1;
  }

  pushCapped(listKey: string, member: string, max: number, ttlMs: number) {
    return this.run(() => this.redis.kvPushCapped(listKey, member, max, ttlMs));
  }

  async extend(key: string, ttlMs: number) {
    await this.run(() => this.redis.kvExtend(key, ttlMs));
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number) {
    await this.run(() => this.redis.kvHashSet(key, field, value, ttlMs));
  }

  async hashUpdate(key: string, field: string, value: string, ttlMs: number) {
    return (await this.run(() => this.redis.kvHashUpdate(key, field, value, ttlMs))) === 1;
  }

  hashGet(key: string, field: string) {
    return this.run(() => this.redis.hget(key, field));
  }

  hashGetAll(key: string) {
    return this.run(() => this.redis.hgetall(key));
  }

  async hashDelete(key: string, ...fields: string[]) {
    if (fields.length > 0) await this.run(() => this.redis.hdel(key, ...fields));
  }

  async hashDeleteLast(key: string, field: string, nowMs: number, alsoDelete: readonly string[]) {
    const keys = [key, ...alsoDelete];
    const dropped = await this.run(() =>
      this.redis.kvHashDeleteLast(keys.length, ...keys, field, nowMs),
    );
    return dropped === 1;
  }

  getIfMember(key: string, hashKey: string, field: string) {
    return this.run(() => this.redis.kvGetIfMember(key, hashKey, field));
  }

  async increment(key: string, windowMs: number, nowMs: number, by = 1) {
    const counter = windowCounter(key, windowMs, nowMs);
    const hits = await this.run(() => this.redis.incrby(counter.key, by));
    // The window's first hit gives its counter a lifetime (past the window's end, so a clock a
    // little behind ours still finds it). Were Redis to fail between the two commands, the
    // counter would stay without one: a few bytes, never read again (the next window has its own).
    if (hits === by) await this.run(() => this.redis.pexpire(counter.key, 2 * windowMs));
    return { hits, resetAt: counter.endsAt };
  }

  async decrement(key: string, windowMs: number, nowMs: number) {
    await this.run(() => this.redis.kvDecrement(windowCounter(key, windowMs, nowMs).key));
  }

  async del(...keys: string[]) {
    if (keys.length === 0) return;
    if (keys.length === 1 || !(this.redis instanceof Cluster)) {
      await this.run(() => this.redis.del(...keys));
      return;
    }
    // One DEL naming keys of several slots is refused (CROSSSLOT). One DEL per key instead:
    // auto-pipelining still sends them in one write per node.
    const redis = this.redis;
    await this.run(() => Promise.all(keys.map((key) => redis.del(key))));
  }

  async ping() {
    await this.run(() => this.redis.ping());
  }

  async ready(timeoutMs: number) {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        const why = this.lastError?.message ?? `not connected within ${timeoutMs} ms`;
        reject(new StoreUnavailableError(new Error(why)));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async close() {
    // QUIT lets pending replies arrive. It does not close the Sentinel failover detector's own
    // connections to the sentinels (ioredis 6), which would then reconnect forever; disconnect does.
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      // Keys of one command in different slots is a bug in key naming, not an outage: let it
      // surface as one instead of a 503 that would hide it.
      if (err instanceof Error && /^CROSSSLOT|should belong to the same slot/.test(err.message))
        throw err;
      throw new StoreUnavailableError(err);
    }
  }
}
