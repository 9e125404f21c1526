import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { MemoryKv } from '../../src/store/memory-kv';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { describeKvContract } from '../support/kv-contract';
import { sharedRedisTopology } from '../support/test-app';

// The embedded store must behave like Redis: the same cases run against both (the run's shared
// Redis: one node, or a Cluster under TEST_REDIS=cluster).
describeKvContract('memory', async () => new MemoryKv());

const topology = sharedRedisTopology();
describeKvContract(topology.kind === 'cluster' ? 'redis cluster' : 'redis', async () => {
  const redis = createRedisClient(topology, {
    keyPrefix: `test:kv:${randomBytes(4).toString('hex')}:`,
    commandTimeoutMs: 1000,
    connectTimeoutMs: 1000,
  });
  await once(redis, 'ready');
  return new RedisKv(redis);
});
