import { pollUntil } from './redis-process';
import { windowCounter, type Kv } from '../../src/store/kv';

/**
 * What every Kv must do, whatever backs it (memory, one Redis node, Sentinel, Cluster). Keys
 * that one operation names together share a hash tag, as a cluster requires.
 */
export function describeKvContract(name: string, make: () => Promise<Kv>): void {
  describe(`${name} store`, () => {
    let kv: Kv;
    beforeEach(async () => {
      kv = await make();
    });
    afterEach(() => kv.close());

    it('gets what was set, and nothing for a missing key', async () => {
      await kv.set('a', 'one', 10_000);
      expect(await kv.get('a')).toBe('one');
      expect(await kv.get('missing')).toBeNull();
    });

    it('forgets a value when its time is up', async () => {
      await kv.set('short', 'x', 20);
      await pollUntil(
        'the 20 ms value to lapse',
        async () => (await kv.get('short')) === null,
        5000,
        10,
      );
      expect(await kv.get('short')).toBeNull();
    });

    it('setIfAbsent sets once', async () => {
      expect(await kv.setIfAbsent('lock', 'owner-1', 10_000)).toBe(true);
      expect(await kv.setIfAbsent('lock', 'owner-2', 10_000)).toBe(false);
      expect(await kv.get('lock')).toBe('owner-1');
    });

    it('take reads a value once', async () => {
      await kv.set('state', 'record', 10_000);
      const [first, second] = await Promise.all([kv.take('state'), kv.take('state')]);
      expect([first, second].sort()).toEqual(['record', null].sort());
      expect(await kv.get('state')).toBeNull();
    });

    it('setUnlessValue refuses while the key holds the blocker', async () => {
      expect(await kv.setUnlessValue('s', 'ended', 'v1', 10_000)).toBe(true);
      expect(await kv.setUnlessValue('s', 'ended', 'v2', 10_000)).toBe(true);
      await kv.set('s', 'ended', 10_000);
      expect(await kv.setUnlessValue('s', 'ended', 'v3', 10_000)).toBe(false);
      expect(await kv.get('s')).toBe('ended');
    });

    it('swap sets and answers what was there', async () => {
      expect(await kv.swap('w', 'one', 10_000)).toBeNull();
      expect(await kv.swap('w', 'two', 10_000)).toBe('one');
      expect(await kv.get('w')).toBe('two');
    });

    it('extend lengthens a time to live and never shortens it', async () => {
      await kv.set('e', 'x', 50);
      await kv.extend('e', 60_000);
      await kv.extend('e', 10);
      await kv.extend('missing', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await kv.get('e')).toBe('x');
      expect(await kv.get('missing')).toBeNull();
    });

    it('keeps hashes: set, update only what exists, get, get all, delete', async () => {
      await kv.hashSet('h', 'a', '1', 10_000);
      await kv.hashSet('h', 'b', '2', 10_000);
      expect(await kv.hashUpdate('h', 'a', '10', 10_000)).toBe(true);
      expect(await kv.hashUpdate('h', 'z', '26', 10_000)).toBe(false);
      expect(await kv.hashGet('h', 'a')).toBe('10');
      expect(await kv.hashGet('h', 'z')).toBeNull();
      expect(await kv.hashGetAll('h')).toEqual({ a: '10', b: '2' });
      await kv.hashDelete('h', 'a');
      expect(await kv.hashGetAll('h')).toEqual({ b: '2' });
      expect(await kv.hashGetAll('none')).toEqual({});
    });

    it('hashDeleteLast drops the hash and its companions when no live field is left', async () => {
      const now = Date.now();
      await kv.set('{g}companion', 'tokens', 10_000);
      await kv.hashSet('{g}links', 's1', String(now + 60_000), 10_000);
      await kv.hashSet('{g}links', 's2', String(now - 1), 10_000);
      await kv.hashSet('{g}links', 's3', String(now + 60_000), 10_000);
      expect(await kv.hashDeleteLast('{g}links', 's1', now, ['{g}companion'])).toBe(false);
      expect(await kv.get('{g}companion')).toBe('tokens');
      // s2 has lapsed: removing s3, the last live one, takes everything with it.
      expect(await kv.hashDeleteLast('{g}links', 's3', now, ['{g}companion'])).toBe(true);
      expect(await kv.get('{g}companion')).toBeNull();
      expect(await kv.hashGetAll('{g}links')).toEqual({});
    });

    it('getIfMember reads a value only for a member of the hash', async () => {
      await kv.set('{m}v', 'secret', 10_000);
      await kv.hashSet('{m}members', 'in', '1', 10_000);
      expect(await kv.getIfMember('{m}v', '{m}members', 'in')).toBe('secret');
      expect(await kv.getIfMember('{m}v', '{m}members', 'out')).toBeNull();
      expect(await kv.getIfMember('{m}v', '{m}none', 'in')).toBeNull();
    });

    it('increment counts hits in the current epoch-aligned window; decrement takes one back', async () => {
      const first = await kv.increment('rl', 60_000, Date.now());
      expect(first.hits).toBe(1);
      expect(first.resetAt % 60_000).toBe(0);
      expect(first.resetAt).toBeGreaterThan(Date.now());
      expect(first.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
      expect((await kv.increment('rl', 60_000, Date.now())).hits).toBe(2);
      await kv.decrement('rl', 60_000, Date.now());
      const third = await kv.increment('rl', 60_000, Date.now());
      // Unless the window turned in between, the hit taken back is counted again.
      if (third.resetAt === first.resetAt) expect(third.hits).toBe(2);
      else expect(third.hits).toBe(1);
      await kv.decrement('fresh', 60_000, Date.now());
      expect((await kv.increment('fresh', 60_000, Date.now())).hits).toBe(1);
      // Another window length is another counter.
      expect((await kv.increment('rl', 1_000, Date.now())).hits).toBe(1);
    });

    it('increment by n counts n hits at once in the same window counter', async () => {
      const first = await kv.increment('rl-by', 60_000, Date.now(), 16);
      expect(first.hits).toBe(16);
      expect((await kv.increment('rl-by', 60_000, Date.now(), 3)).hits).toBe(19);
      const counter = windowCounter('rl-by', 60_000, first.resetAt - 1).key;
      expect(await kv.get(counter)).toBe('19');
    });

    it('increment and decrement count in the window of the time the caller gives', async () => {
      // An hour ahead of the store's own clock: the caller's time chooses the window.
      const later = Date.now() + 3_600_000;
      const first = await kv.increment('rl-at', 60_000, later, 2);
      expect(first.resetAt).toBe(windowCounter('rl-at', 60_000, later).endsAt);
      expect(await kv.get(windowCounter('rl-at', 60_000, later).key)).toBe('2');
      await kv.decrement('rl-at', 60_000, later);
      expect((await kv.increment('rl-at', 60_000, later)).hits).toBe(2);
      // The window holding the store's now is another counter.
      expect((await kv.increment('rl-at', 60_000, Date.now())).hits).toBe(1);
    });

    it('deleteIfEquals deletes only the expected value', async () => {
      await kv.set('lock', 'mine', 10_000);
      expect(await kv.deleteIfEquals('lock', 'theirs')).toBe(false);
      expect(await kv.get('lock')).toBe('mine');
      expect(await kv.deleteIfEquals('lock', 'mine')).toBe(true);
      expect(await kv.get('lock')).toBeNull();
    });

    it('replaceIfEquals writes only over the expected value', async () => {
      await kv.set('tokens', 'v1', 10_000);
      expect(await kv.replaceIfEquals('tokens', 'v0', 'v2', 10_000)).toBe(false);
      expect(await kv.replaceIfEquals('tokens', 'v1', 'v2', 10_000)).toBe(true);
      expect(await kv.get('tokens')).toBe('v2');
      expect(await kv.replaceIfEquals('absent', 'v1', 'v2', 10_000)).toBe(false);
      expect(await kv.get('absent')).toBeNull();
    });

    it('pushCapped keeps the newest members and hands back the ones that fell off', async () => {
      const evicted: string[] = [];
      for (const m of ['a', 'b', 'c', 'd', 'e'])
        evicted.push(...(await kv.pushCapped('list', m, 3, 10_000)));
      expect(evicted).toEqual(['a', 'b']);
      expect(await kv.pushCapped('list', 'f', 3, 10_000)).toEqual(['c']);
    });

    it('deletes several keys at once', async () => {
      await kv.set('x', '1', 10_000);
      await kv.set('y', '2', 10_000);
      await kv.del('x', 'y', 'never-there');
      expect([await kv.get('x'), await kv.get('y')]).toEqual([null, null]);
    });

    it('answers a ping', async () => {
      await expect(kv.ping()).resolves.toBeUndefined();
    });
  });
}
