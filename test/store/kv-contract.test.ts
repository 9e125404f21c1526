import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { MemoryKv } from '../../src/store/memory-kv';
import { RedisKv, createRedisClient } from '../../src/store/redis-kv';
import { describeKvContract } from '../support/kv-contract';

// The embedded store must behave like Redis: the same cases run against both.
describeKvContract('memory', async () => new MemoryKv());

describeKvContract('redis', async () => {
  const redis = createRedisClient(
    { kind: 'node', url: process.env.REDIS_URL! },
    {
      keyPrefix: `test:kv:${randomBytes(4).toString('hex')}:`,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    },
  );
  await once(redis, 'ready');
  return new RedisKv(redis);
});
