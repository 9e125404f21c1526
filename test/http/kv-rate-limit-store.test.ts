import { KvRateLimitStore, type KvRateLimitStoreOptions } from '../../src/http/kv-rate-limit-store';
import type { Kv } from '../../src/store/kv';
import { kvBackends, testClock, type TestStore } from '../support/kv-backends';

/**
 * Redis counts windows by its own clock (the real one), which a test cannot move: a week-long
 * window (aligned to the epoch, as every window) does not turn during a test. The memory store
 * runs on the test's clock, which a test moves into the next window instead of waiting.
 */
const WINDOW = 7 * 24 * 3600_000;

describe.each(kvBackends('test:kv-rate-limit-store'))('KvRateLimitStore on $name', (backend) => {
  let clock: ReturnType<typeof testClock>;
  let store: TestStore;
  beforeEach(async () => {
    clock = testClock();
    store = await backend.open(clock.now);
  });
  afterEach(() => store.close());

  const limiter = (limit: number, over: Partial<KvRateLimitStoreOptions> = {}, kv: Kv = store.kv) =>
    new KvRateLimitStore(kv, {
      name: 'login',
      limit,
      windowMs: WINDOW,
      now: clock.now,
      maxLeases: 100,
      ...over,
    });

  /** `n` hits in a row for `client` on `rl`: the totalHits each one was told. */
  async function hits(rl: KvRateLimitStore, client: string, n: number): Promise<number[]> {
    const told = [];
    for (let i = 0; i < n; i++) told.push((await rl.increment(client)).totalHits);
    return told;
  }

  const windowEnd = () => (Math.floor(clock.now() / WINDOW) + 1) * WINDOW;

  it('counts every hit of a client, and says when the window ends', async () => {
    const rl = limiter(100);
    expect(await hits(rl, '203.0.113.7', 40)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await rl.increment('203.0.113.7')).resetTime).toEqual(new Date(windowEnd()));
  });

  it('counts past the limit: every hit beyond it reads more than the limit', async () => {
    const rl = limiter(3);
    const told = await hits(rl, 'client', 6);
    expect(told.slice(0, 3)).toEqual([1, 2, 3]);
    for (const total of told.slice(3)) expect(total).toBeGreaterThan(3);
  });

  it('keeps clients apart, and limits apart for one client', async () => {
    const login = limiter(2);
    const oauth = limiter(2, { name: 'oauth' });
    await hits(login, 'a', 3);
    expect(await hits(login, 'b', 2)).toEqual([1, 2]);
    expect(await hits(oauth, 'a', 2)).toEqual([1, 2]);
  });

  it('gives every client id its own budget, whatever characters it holds', async () => {
    const rl = limiter(5);
    const clients = ['x', 'x*', '*', '{x}', '%7Bx%7D', 'x}{', '::1', '\ud800', '\ufffd', ''];
    for (const client of clients) expect(await hits(rl, client, 2)).toEqual([1, 2]);
    // …and a new instance (no leases) reads each count from the store.
    const fresh = limiter(5);
    for (const client of clients) expect(await hits(fresh, client, 1)).toEqual([3]);
  });

  it('on one instance, lets exactly the limit through', async () => {
    const rl = limiter(100);
    const told = await hits(rl, 'client', 130);
    expect(told.filter((n) => n <= 100)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('shares one budget between instances: together they never let more than the limit through', async () => {
    const instances = [limiter(100), limiter(100), limiter(100)];
    const told: number[] = [];
    for (let i = 0; i < 300; i++) told.push((await instances[i % 3]!.increment('c')).totalHits);
    const through = told.filter((n) => n <= 100);
    expect(through.length).toBeLessThanOrEqual(100);
    // What one instance holds unused is a lease at most (16 hits) each.
    expect(through.length).toBeGreaterThanOrEqual(100 - 3 * 16);
    expect(new Set(through).size).toBe(through.length);
  });

  it('decrement takes a hit back: its place can be used again, on any instance', async () => {
    const [a, b] = [limiter(2), limiter(2)];
    expect(await hits(a, 'client', 2)).toEqual([1, 2]);
    await a.decrement('client');
    expect(await hits(a, 'client', 2)).toEqual([2, 3]);
    await a.decrement('client');
    expect((await b.increment('client')).totalHits).toBeLessThanOrEqual(2);
    expect((await b.increment('client')).totalHits).toBeGreaterThan(2);
  });

  it('decrement never takes a count below zero', async () => {
    const rl = limiter(1);
    await rl.decrement('client');
    await rl.decrement('client');
    expect(await hits(rl, 'client', 2)).toEqual([1, 2]);
  });

  it('resetKey starts the client’s count again, for that client only', async () => {
    const rl = limiter(3);
    await hits(rl, 'client', 5);
    await hits(rl, 'other', 3);
    await rl.resetKey('client');
    expect(await hits(rl, 'client', 3)).toEqual([1, 2, 3]);
    // The other client's budget is still spent, for this instance and for a fresh one.
    expect((await rl.increment('other')).totalHits).toBeGreaterThan(3);
    expect((await limiter(3).increment('other')).totalHits).toBeGreaterThan(3);
  });

  if (backend.followsClock) {
    it('a new window starts every client afresh', async () => {
      const rl = limiter(2);
      await hits(rl, 'client', 3);
      const firstEnd = windowEnd();
      clock.advance(WINDOW);
      const next = await rl.increment('client');
      expect(next.totalHits).toBe(1);
      expect(next.resetTime).toEqual(new Date(firstEnd + WINDOW));
    });
  }
});
