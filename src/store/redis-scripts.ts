import type { Cluster, Redis } from 'ioredis';

// Kv's compound operations, one Lua script each so that each is atomic on Redis as it is in
// the memory store. A script names every key it touches, all of one hash slot, so each runs on
// a Cluster too.

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

/** RedisKv's commands naming several keys at once (see the Cluster options, redis-client.ts). */
export const MULTI_KEY_COMMANDS = ['kvHashDeleteLast', 'kvGetIfMember', 'del'] as const;

/** The scripts as the client's commands, once defineScripts has run on it. */
export interface Scripts {
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

/** Defines every script on `redis` as a command of its own (ioredis loads each once, by SHA). */
export function defineScripts<C extends Redis | Cluster>(redis: C): C & Scripts {
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
  return redis as C & Scripts;
}
