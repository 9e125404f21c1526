import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { StoreUnavailableError, windowCounter, type Kv } from './kv';
import type { RedisTopology } from '../config';

const SET_UNLESS_VALUE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const EXTEND = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1`;

const HASH_SET = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
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

const HASH_UPDATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

// Takes one hit back, never below zero.
const DECREMENT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 1`;

// KEYS[1] is the hash; KEYS[2..] go with it when no live field is left (all one hash slot).
const HASH_DELETE_LAST = `
redis.call('HDEL', KEYS[1], ARGV[1])
local values = redis.call('HVALS', KEYS[1])
for _, v in ipairs(values) do
  if tonumber(v) and tonumber(v) > tonumber(ARGV[2]) then return 0 end
end
redis.call('DEL', unpack(KEYS))
return 1`;

const GET_IF_MEMBER = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return false end
return redis.call('GET', KEYS[1])`;

/** RedisKv's commands that name several keys at once (see the Cluster options below). */
const MULTI_KEY_COMMANDS = ['kvHashDeleteLast', 'kvGetIfMember', 'del'] as const;

interface Scripts {
  kvSetUnlessValue(key: string, blocker: string, value: string, ttlMs: number): Promise<number>;
  kvExtend(key: string, ttlMs: number): Promise<number>;
  kvHashSet(key: string, field: string, value: string, ttlMs: number): Promise<number>;
  kvDecrement(key: string): Promise<number>;
  kvHashUpdate(key: string, field: string, value: string, ttlMs: number): Promise<number>;
  kvHashDeleteLast(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  kvGetIfMember(key: string, hashKey: string, field: string): Promise<string | null>;
  kvDeleteIfEquals(key: string, value: string): Promise<number>;
  kvReplaceIfEquals(key: string, expected: string, value: string, ttlMs: number): Promise<number>;
  kvPushCapped(key: string, member: string, max: number, ttlMs: number): Promise<string[]>;
}

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

/** The single-node form callers used before topologies: `{ url, ...RedisClientOptions }`. */
export interface RedisKvOptions extends RedisClientOptions {
  url: string;
}

const reconnectDelay = (times: number) => Math.min(times * 100, 2_000);

/**
 * Builds the ioredis client the way a session store needs it, on any topology: fail fast,
 * never queue. A dead store must answer at once (503 store_unavailable), not pile requests up.
 */
export function createRedisClient(
  topology: { kind: 'node'; url: string },
  opts: RedisClientOptions,
): Redis;
export function createRedisClient(topology: RedisTopology, opts: RedisClientOptions): RedisClient;
/** @deprecated pass a topology: `createRedisClient({ kind: 'node', url }, opts)` */
export function createRedisClient(opts: RedisKvOptions): Redis;
export function createRedisClient(
  first: RedisTopology | RedisKvOptions,
  second?: RedisClientOptions,
): RedisClient {
  const [topology, opts]: [RedisTopology, RedisClientOptions] =
    'kind' in first ? [first, second!] : [{ kind: 'node', url: first.url }, first];
  const perConnection = {
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
  } satisfies RedisOptions;
  // Commands issued in the same tick share one write (one per node on a cluster).
  const shared = {
    keyPrefix: opts.keyPrefix,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  } as const;

  switch (topology.kind) {
    case 'node':
      return new Redis(topology.url, {
        ...shared,
        ...perConnection,
        retryStrategy: reconnectDelay,
      });
    case 'sentinel':
      return new Redis({
        ...shared,
        ...perConnection,
        sentinels: topology.sentinels,
        name: topology.name,
        username: topology.username,
        password: topology.password,
        // TLS to the data nodes; the sentinels themselves are asked in plain text.
        ...(topology.tls && { tls: {} }),
        retryStrategy: reconnectDelay,
        sentinelRetryStrategy: reconnectDelay,
        sentinelCommandTimeout: opts.commandTimeoutMs,
        // Drops the connection the moment a sentinel announces +switch-master, instead of
        // writing to the demoted master until it closes our connection.
        failoverDetector: true,
        // A write that still reaches the demoted master fails (READONLY): reconnect, and the
        // sentinel names the new master. The failing command is not replayed (fail fast).
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const options: ClusterOptions = {
        ...shared,
        // An auto-pipeline batch holding one command whose keys span slots is refused whole,
        // by ioredis, before it is sent: every innocent command of that tick fails with it.
        // Sent alone, such a command gets its own CROSSSLOT answer and nothing else suffers.
        autoPipeliningIgnoredCommands: [...MULTI_KEY_COMMANDS],
        scaleReads: 'master',
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: opts.connectTimeoutMs,
        redisOptions: {
          ...perConnection,
          username: topology.username,
          password: topology.password,
          ...(topology.tls && { tls: {} }),
        },
        // With TLS, certificates name hosts, not the IPs ioredis would resolve them to.
        ...(topology.tls && {
          dnsLookup: (address: string, callback: (err: null, address: string) => void) =>
            callback(null, address),
        }),
      };
      return new Cluster(topology.nodes, options);
    }
  }
}

export class RedisKv implements Kv {
  readonly kind = 'redis';
  private readonly redis: RedisClient & Scripts;

  /** Works on one node, a Sentinel-managed master or a Cluster (see `del`). */
  constructor(redis: RedisClient) {
    redis.defineCommand('kvSetUnlessValue', { numberOfKeys: 1, lua: SET_UNLESS_VALUE });
    redis.defineCommand('kvExtend', { numberOfKeys: 1, lua: EXTEND });
    redis.defineCommand('kvHashSet', { numberOfKeys: 1, lua: HASH_SET });
    redis.defineCommand('kvDecrement', { numberOfKeys: 1, lua: DECREMENT });
    redis.defineCommand('kvHashUpdate', { numberOfKeys: 1, lua: HASH_UPDATE });
    // Variable key count: the caller passes it first.
    redis.defineCommand('kvHashDeleteLast', { lua: HASH_DELETE_LAST });
    redis.defineCommand('kvGetIfMember', { numberOfKeys: 2, lua: GET_IF_MEMBER });
    redis.defineCommand('kvDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
    redis.defineCommand('kvReplaceIfEquals', { numberOfKeys: 1, lua: REPLACE_IF_EQUALS });
    redis.defineCommand('kvPushCapped', { numberOfKeys: 1, lua: PUSH_CAPPED });
    this.redis = redis as RedisClient & Scripts;
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
