import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../../src/store/kv';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { describeKvContract } from '../support/kv-contract';
import { adminClient } from '../support/redis-process';
import { startRedisSentinel, type RedisSentinel } from '../support/redis-sentinel';

const COMMAND_TIMEOUT_MS = 1000;

let sentinel: RedisSentinel;
beforeAll(async () => {
  sentinel = await startRedisSentinel();
}, 20_000);
afterAll(() => sentinel.stop());

async function sentinelKv(keyPrefix = `test:kv:${randomBytes(4).toString('hex')}:`) {
  const client = createRedisClient(
    { kind: 'sentinel', sentinels: sentinel.sentinels, name: sentinel.name, tls: false },
    { keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: 1000 },
  ) as Redis;
  await once(client, 'ready');
  return { kv: new RedisKv(client), client, keyPrefix };
}

describeKvContract('sentinel', async () => (await sentinelKv()).kv);

/** Resolves when `client` is ready again, or after `ms` whatever happens. */
async function readyWithin(client: Redis, ms: number): Promise<void> {
  const gaveUp = new AbortController();
  const timer = setTimeout(() => gaveUp.abort(), ms);
  try {
    await once(client, 'ready', { signal: gaveUp.signal });
  } catch {
    // Not back in time: the next call will say so.
  } finally {
    clearTimeout(timer);
  }
}

interface Outcome {
  ok: boolean;
  startedAt: number;
  ms: number;
}

it('rides out a failover: every call answers or fails fast, nothing written before is lost, calls succeed again soon', async () => {
  const { kv, client, keyPrefix } = await sentinelKv();
  try {
    const oldMaster = await sentinel.master();
    const before = Array.from({ length: 100 }, (_, i) => `before-${i}`);
    for (const key of before) await kv.set(key, `value-${key}`, 60_000);
    // The replica has them before it is promoted: nothing here depends on replication luck.
    expect(await client.call('WAIT', 1, 1000)).toBe(1);

    const outcomes: Outcome[] = [];
    const unexpected: unknown[] = [];
    const deadline = Date.now() + 15_000;
    // Until the sentinel announces the new master, no call counts as "after the failover".
    let failedOverAt = Number.POSITIVE_INFINITY;
    let streakAfterFailover = 0;
    let loaded!: () => void;
    const warmedUp = new Promise<void>((resolve) => (loaded = resolve));
    const done = () =>
      outcomes.length >= 5_000 || Date.now() > deadline || streakAfterFailover >= 50;

    const worker = async (w: number) => {
      for (let i = 0; !done(); i++) {
        const key = `load-${w}-${i}`;
        const startedAt = Date.now();
        let ok = true;
        try {
          await kv.set(key, key, 60_000);
          expect(await kv.get(key)).toBe(key);
        } catch (err) {
          ok = false;
          if (!(err instanceof StoreUnavailableError)) unexpected.push(err);
        }
        outcomes.push({ ok, startedAt, ms: Date.now() - startedAt });
        if (outcomes.length === 50) loaded();
        if (startedAt >= failedOverAt) streakAfterFailover = ok ? streakAfterFailover + 1 : 0;
        // Paced, so the load spans the switch instead of spending its budget in a few ms.
        if (ok || client.status === 'ready') await new Promise((r) => setTimeout(r, 2));
        // Disconnected: calls would fail at once; wait (bounded) for the client to be back.
        else await readyWithin(client, deadline - Date.now());
      }
    };
    const load = Promise.all([worker(0), worker(1), worker(2)]);
    await warmedUp;
    const newMaster = await sentinel.failover();
    failedOverAt = Date.now();
    await load;

    expect(newMaster.port).not.toBe(oldMaster.port);
    expect(unexpected).toEqual([]);
    // Never a hang: each call is bounded by the command timeout (two calls per operation).
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 500);
    // Back within a bounded time after the sentinel announced the new master.
    expect(streakAfterFailover).toBeGreaterThanOrEqual(50);
    const firstBack = outcomes.find((o) => o.ok && o.startedAt >= failedOverAt)!;
    expect(firstBack.startedAt - failedOverAt).toBeLessThan(5_000);

    // Nothing written before the failover is lost, and writes now land on the new master.
    expect(await Promise.all(before.map((k) => kv.get(k)))).toEqual(
      before.map((k) => `value-${k}`),
    );
    await kv.set('after', 'yes', 60_000);
    const direct = await adminClient(newMaster.port);
    try {
      expect(await direct.get(`${keyPrefix}after`)).toBe('yes');
    } finally {
      direct.disconnect();
    }
  } finally {
    await kv.close();
  }
}, 25_000);
