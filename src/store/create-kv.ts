import type { Config } from '../config';
import type { Kv } from './kv';
import { MemoryKv } from './memory-kv';
import { RedisKv, createRedisClient } from './redis-kv';

/** Redis when REDIS_URL is set, else the embedded memory store (the config refuses that in production). */
export function createKv(config: Config): Kv {
  if (!config.redis.url) return new MemoryKv();
  return new RedisKv(
    createRedisClient(
      { kind: 'node', url: config.redis.url },
      {
        keyPrefix: config.redis.keyPrefix,
        commandTimeoutMs: config.limits.redisCommandTimeoutMs,
        connectTimeoutMs: config.limits.redisConnectTimeoutMs,
      },
    ),
  );
}
