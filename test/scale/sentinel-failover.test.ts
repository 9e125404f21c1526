import request from 'supertest';
import { describeFigures } from '../support/load';
import { failoverUnderLoad } from '../support/failover-load';
import { startRedisSentinel, type RedisSentinel } from '../support/redis-sentinel';
import { startTestApp, type TestApp } from '../support/test-app';

// The app on a Sentinel-managed master (REDIS_SENTINELS, REDIS_SENTINEL_NAME), the replica
// promoted while users call it: a failover costs some 503s for a moment, never a login.
let sentinel: RedisSentinel;
let t: TestApp;
beforeAll(async () => {
  sentinel = await startRedisSentinel();
  t = await startTestApp({
    topology: { kind: 'sentinel', sentinels: sentinel.sentinels, name: sentinel.name, tls: false },
  });
}, 30_000);
afterAll(async () => {
  await t?.close();
  await sentinel?.stop();
});

it('a failover under load: only 200 or 503 store_unavailable, every session still signed in, no restart', async () => {
  const server = t.server;
  const run = await failoverUnderLoad({ url: t.url, sentinel, keyPrefix: t.keyPrefix });
  console.log(
    `sentinel failover on the app: ${describeFigures(run.figures)}; ` +
      `master ${run.oldMasterPort} → ${run.newMasterPort}; first 200 ${run.backAfterMs} ms after ` +
      `+switch-master; ${run.streakAfter} × 200 in a row at the end`,
  );

  expect(run.newMasterPort).not.toBe(run.oldMasterPort);
  expect(run.unexpected.map((a) => `${a.status} ${a.error ?? a.body.slice(0, 80)}`)).toEqual([]);
  expect(run.lostSessions).toEqual([]);
  // Back soon, and for good.
  expect(run.backAfterMs).toBeLessThan(5_000);
  expect(run.streakAfter).toBeGreaterThanOrEqual(100);
  // Fails fast: a request waits at most about one command timeout per store call, not forever.
  expect(run.figures.max).toBeLessThan(3 * t.config.limits.redisCommandTimeoutMs + 500);
  // The same process, the same listening server, the same client: nothing was restarted.
  expect(t.server).toBe(server);
  expect(server.listening).toBe(true);
  const ready = await request(t.url).get('/readyz');
  expect(ready.status).toBe(200);
}, 40_000);
