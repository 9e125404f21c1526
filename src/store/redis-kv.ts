import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, type Kv } from './kv';

const SET_UNLESS_GUARDED = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const REPLACE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const PUSH_CAPPED = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local extra = redis.call('LLEN', KEYS[1]) - tonumber(ARGV[2])
if extra <= 0 then return {} end
local evicted = redis.call('LRANGE', KEYS[1], 0, extra - 1)
redis.call('LTRIM', KEYS[1], extra, -1)
return evicted`;

interface Scripts {
  kvSetUnlessGuarded(key: string, guard: string, value: string, ttlMs: number): Promise<number>;
  kvDeleteIfEquals(key: string, value: string): Promise<number>;
  kvReplaceIfEquals(key: string, expected: string, value: string, ttlMs: number): Promise<number>;
  kvPushCapped(key: string, member: string, max: number, ttlMs: number): Promise<string[]>;
}

export interface RedisKvOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

/** Builds the ioredis client the way a session store needs it: fail fast, never queue. */
export function createRedisClient(opts: RedisKvOptions): Redis {
  const options: RedisOptions = {
    keyPrefix: opts.keyPrefix,
    // A dead Redis must answer at once (503 store_unavailable), not pile requests up in a queue.
    enableOfflineQueue: false,
    // Commands issued in the same tick share one write: under load, far fewer syscalls.
    enableAutoPipelining: true,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  };
  return new Redis(opts.url, options);
}

export class RedisKv implements Kv {
  readonly kind = 'redis';
  private readonly redis: Redis & Scripts;

  constructor(redis: Redis) {
    redis.defineCommand('kvSetUnlessGuarded', { numberOfKeys: 2, lua: SET_UNLESS_GUARDED });
    redis.defineCommand('kvDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
    redis.defineCommand('kvReplaceIfEquals', { numberOfKeys: 1, lua: REPLACE_IF_EQUALS });
    redis.defineCommand('kvPushCapped', { numberOfKeys: 1, lua: PUSH_CAPPED });
    this.redis = redis as Redis & Scripts;
  }

  get client(): Redis {
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

  async setUnlessGuarded(key: string, guardKey: string, value: string, ttlMs: number) {
    return (await this.run(() => this.redis.kvSetUnlessGuarded(key, guardKey, value, ttlMs))) === 1;
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

  async del(...keys: string[]) {
    if (keys.length > 0) await this.run(() => this.redis.del(...keys));
  }

  async ping() {
    await this.run(() => this.redis.ping());
  }

  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }
}
