import type { Config } from '../config';
import type { Kv } from './kv';
import { MemoryKv } from './memory-kv';
import { createRedisClient } from './redis-client';
import { RedisKv } from './redis-kv';

/** Redis (a node, Sentinel or Cluster) when configured, else the embedded memory store. */
export function createKv(config: Config): Kv {
  const { topology, keyPrefix } = config.redis;
  if (!topology) return new MemoryKv();
  return new RedisKv(
    createRedisClient(topology, {
      keyPrefix,
      commandTimeoutMs: config.limits.redisCommandTimeoutMs,
      connectTimeoutMs: config.limits.redisConnectTimeoutMs,
    }),
  );
}
