import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { LeasedCounter, leaseSize } from '../../src/http/leased-counter';
import { windowCounter, type Kv } from '../../src/store/kv';
import { MemoryKv } from '../../src/store/memory-kv';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { sharedRedisTopology } from '../support/test-app';

const WINDOW = 60_000;
/**
 * On Redis the windows follow the real clock: a week-long one (aligned to the epoch, as every
 * window) does not turn during a test.
 */
const WEEK = 7 * 24 * 3600_000;

/** A clock in the middle of a window, moved by the test. */
function testClock() {
  let t = Math.floor(Date.now() / WINDOW) * WINDOW + WINDOW / 2;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** One instance's counter over `kv`, recording the size of every claim it makes. */
function instance(kv: Kv, limit: number, now: () => number, maxLeases = 100, windowMs = WINDOW) {
  const claims: number[] = [];
  const counter = new LeasedCounter({
    limit,
    windowMs,
    now,
    maxLeases,
    claim: (key, by) => {
      claims.push(by);
      return kv.increment(key, windowMs, now(), by);
    },
  });
  return { counter, claims };
}

async function stored(kv: Kv, key: string, now: number, windowMs = WINDOW): Promise<number> {
  return Number(await kv.get(windowCounter(key, windowMs, now).key));
}

/** `n` hits in a row on `counter`; the positions each was given. */
async function hitsInARow(counter: LeasedCounter, key: string, n: number): Promise<number[]> {
  const positions = [];
  for (let i = 0; i < n; i++) positions.push((await counter.hit(key)).hits);
  return positions;
}

describe('leaseSize', () => {
  it('claims at most 16 and at most 1/32 of what is left, and never less than 1', () => {
    expect(leaseSize(600, 0)).toBe(16);
    expect(leaseSize(600, 200)).toBe(12);
    expect(leaseSize(600, 590)).toBe(1);
    expect(leaseSize(600, 700)).toBe(1);
    expect(leaseSize(60, 0)).toBe(1);
    expect(leaseSize(2, 0)).toBe(1);
  });
});

describe('LeasedCounter on one instance', () => {
  it('counts like one store command per hit, with a claim per lease', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 600, clock.now);
    expect(await hitsInARow(counter, 'u', 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // 16 hits, then a lease sized on the 584 left: the store holds what was claimed.
    expect(claims).toEqual([16, 16]);
    expect(await stored(kv, 'u', clock.now())).toBe(32);
    const { resetAt } = await counter.hit('u');
    expect(resetAt).toBe(Math.ceil(clock.now() / WINDOW) * WINDOW);
  });

  it('lets exactly the limit through, then refuses without asking the store again', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 100, clock.now);
    const positions = await hitsInARow(counter, 'u', 130);
    expect(positions.filter((p) => p <= 100)).toHaveLength(100);
    expect(positions.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(positions.slice(100).every((p) => p > 100)).toBe(true);
    expect(claims.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(101);
    const claimsAtLimit = claims.length;
    await hitsInARow(counter, 'u', 10);
    expect(claims).toHaveLength(claimsAtLimit);
  });

  it('gives every client a budget of its own', async () => {
    const clock = testClock();
    const { counter } = instance(new MemoryKv(clock.now), 3, clock.now);
    expect(await hitsInARow(counter, 'a', 4)).toEqual([1, 2, 3, 4]);
    expect(await hitsInARow(counter, 'b', 2)).toEqual([1, 2]);
  });

  it('concurrent hits share one claim in flight', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 600, clock.now);
    const results = await Promise.all(Array.from({ length: 40 }, () => counter.hit('u')));
    expect(results.map((r) => r.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(claims).toEqual([16, 16, 16]);
  });

  it('starts again in the next window, and what was left of the last lease is not used', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 600, clock.now);
    await hitsInARow(counter, 'u', 3);
    clock.advance(WINDOW);
    expect(await hitsInARow(counter, 'u', 2)).toEqual([1, 2]);
    expect(claims).toEqual([16, 16]);
    expect(await stored(kv, 'u', clock.now())).toBe(16);
  });

  it('past maxLeases clients, the others are counted one claim per hit, still exactly', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 600, clock.now, 2);
    await counter.hit('a');
    await counter.hit('b');
    expect(claims).toEqual([16, 16]);
    expect(await hitsInARow(counter, 'c', 3)).toEqual([1, 2, 3]);
    expect(claims).toEqual([16, 16, 1, 1, 1]);
    expect(await stored(kv, 'c', clock.now())).toBe(3);
  });

  it('a failed claim fails the hits waiting on it, and the next hit claims again', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    let failing = true;
    const counter = new LeasedCounter({
      limit: 600,
      windowMs: WINDOW,
      now: clock.now,
      maxLeases: 100,
      claim: async (key, by) => {
        if (failing) throw new Error('store down');
        return kv.increment(key, WINDOW, clock.now(), by);
      },
    });
    const both = await Promise.allSettled([counter.hit('u'), counter.hit('u')]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    failing = false;
    expect((await counter.hit('u')).hits).toBe(1);
  });

  it('a counter deleted in the store (forget) starts from its first hit again', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter, claims } = instance(kv, 600, clock.now);
    await hitsInARow(counter, 'u', 3);
    await kv.del(windowCounter('u', WINDOW, clock.now()).key);
    counter.forget('u');
    expect(await hitsInARow(counter, 'u', 2)).toEqual([1, 2]);
    expect(claims).toEqual([16, 16]);
  });

  it('a hit taken back in the store reopens a spent budget', async () => {
    const clock = testClock();
    const kv = new MemoryKv(clock.now);
    const { counter } = instance(kv, 2, clock.now);
    expect(await hitsInARow(counter, 'u', 3)).toEqual([1, 2, 3]);
    await kv.decrement('u', WINDOW, clock.now());
    await kv.decrement('u', WINDOW, clock.now());
    counter.tookBack('u');
    counter.tookBack('u');
    // Both hits are back in the store: the next claim is the window's first hit again.
    expect((await counter.hit('u')).hits).toBe(1);
  });
});

describe('LeasedCounter on several instances sharing one Redis', () => {
  let redisKv: RedisKv;
  beforeAll(async () => {
    const redis = createRedisClient(sharedRedisTopology(), {
      keyPrefix: `test:leases:${randomBytes(4).toString('hex')}:`,
      commandTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    });
    await once(redis, 'ready');
    redisKv = new RedisKv(redis);
  });
  afterAll(() => redisKv.close());

  const onRedis = (limit: number) => instance(redisKv, limit, Date.now, 100, WEEK).counter;

  it('never let more than the limit through, whichever instance a hit reaches', async () => {
    const three = [onRedis(200), onRedis(200), onRedis(200)];
    let roundRobin = 0;
    for (let i = 0; i < 260; i++) {
      if ((await three[i % 3]!.hit('round-robin')).hits <= 200) roundRobin++;
    }
    const concurrent = await Promise.all(
      Array.from({ length: 300 }, (_, i) => three[i % 3]!.hit('concurrent')),
    );
    // Every instance is still asked for hits, so none of its lease is left unused.
    expect(roundRobin).toBe(200);
    expect(concurrent.filter((r) => r.hits <= 200)).toHaveLength(200);
    expect(await stored(redisKv, 'concurrent', Date.now(), WEEK)).toBeGreaterThanOrEqual(200);
  });

  it('a client that leaves an instance loses at most what that instance still holds', async () => {
    const [first, second] = [onRedis(200), onRedis(200)];
    await first!.hit('moved');
    const afterMoving = await hitsInARow(second!, 'moved', 220);
    expect(afterMoving.filter((p) => p <= 200)).toHaveLength(200 - leaseSize(200, 0));
  });
});
