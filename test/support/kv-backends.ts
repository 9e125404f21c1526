import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Kv } from '../../src/store/kv';
import { MemoryKv } from '../../src/store/memory-kv';
import { createRedisClient, type RedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { escapeGlob, scanKeys } from '../../src/store/scan-keys';
import { sharedRedisTopology } from './test-app';

/** A fresh, empty store for one test, and what the test may ask of it besides the Kv. */
export interface TestStore {
  kv: Kv;
  /**
   * The key's remaining time to live in ms (-2: no such key) on Redis, whose clock a test cannot
   * move; undefined on memory, whose clock is the test's own (move it instead).
   */
  ttlOf?: (key: string) => Promise<number>;
  /** Stops the store and deletes every key it wrote. */
  close(): Promise<void>;
}

export interface KvBackend {
  name: string;
  /** True when the store's clock is `now` (memory); Redis keeps time by its own clock. */
  followsClock: boolean;
  open(now: () => number): Promise<TestStore>;
}

/**
 * The two stores every stateful class runs on (as in the Kv contract suite): the embedded memory
 * store on the test's clock, and the run's shared Redis (a node, or a Cluster under
 * TEST_REDIS=cluster) under a key prefix of `filePrefix` plus a random part, so files and tests
 * never see each other's keys. For `describe.each(kvBackends('…'))('… on $name', …)`.
 */
export function kvBackends(filePrefix: string): KvBackend[] {
  return [
    {
      name: 'memory',
      followsClock: true,
      async open(now) {
        const kv = new MemoryKv(now);
        return { kv, close: () => kv.close() };
      },
    },
    {
      name: process.env.TEST_REDIS === 'cluster' ? 'redis cluster' : 'redis',
      followsClock: false,
      async open() {
        const keyPrefix = `${filePrefix}:${randomBytes(4).toString('hex')}:`;
        const redis: RedisClient = createRedisClient(sharedRedisTopology(), {
          keyPrefix,
          commandTimeoutMs: 1000,
          connectTimeoutMs: 1000,
        });
        await once(redis, 'ready');
        const kv = new RedisKv(redis);
        return {
          kv,
          ttlOf: (key) => redis.pttl(key),
          async close() {
            // SCAN names full keys; `del` adds the prefix again.
            const written = await scanKeys(redis, `${escapeGlob(keyPrefix)}*`);
            if (written.length > 0) await kv.del(...written.map((k) => k.slice(keyPrefix.length)));
            await kv.close();
          },
        };
      },
    },
  ];
}

/** A clock the test moves (never sleeps for), starting at the real time. */
export function testClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
      return t;
    },
  };
}
