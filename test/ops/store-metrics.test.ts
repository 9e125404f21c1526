import { once } from 'node:events';
import request from 'supertest';
import { login } from '../support/login';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';

// Issue 25: the dashboard's store latency and outages come from store_operation_duration_seconds:
// every store operation timed, by operation and outcome. This file stops its own Redis.
let redis: RedisServer;
let t: TestApp;
beforeAll(async () => {
  redis = await startRedisServer();
  t = await startTestApp({ redisUrl: redis.url });
});
afterAll(async () => {
  await t.close();
  await redis.dispose();
});

/** `operation outcome` → count, from the histogram's _count series. */
async function storeCounts(): Promise<Record<string, number>> {
  const text = await t.metrics.registry.metrics();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(
    /^store_operation_duration_seconds_count\{operation="(\w+)",outcome="(\w+)"\} (\d+)$/gm,
  )) {
    counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  }
  return counts;
}

it('times store operations by outcome: ok while Redis answers, unavailable while it is down', async () => {
  const { sessionToken } = await login(t, { sub: 'timed-user' });
  await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`).expect(200);
  const up = await storeCounts();
  // A login writes the session (setUnlessValue) and its device entry (hashSet); a read gets it.
  expect(up['get ok']).toBeGreaterThanOrEqual(1);
  expect(up['setUnlessValue ok']).toBeGreaterThanOrEqual(1);
  expect(up['hashSet ok']).toBeGreaterThanOrEqual(1);
  expect(Object.keys(up).filter((k) => !k.endsWith(' ok'))).toEqual([]);

  await redis.stop();
  await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`).expect(503);
  await request(t.url).get('/readyz').expect(503);
  const down = await storeCounts();
  expect(down['get unavailable']).toBe(1);
  expect(down['ping unavailable']).toBe(1);
  await redis.restart();
  await once(t.redis, 'ready');
  await request(t.url).get('/readyz').expect(200);
});
