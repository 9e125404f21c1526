import type { Kv } from '../../src/store/kv';

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
      await new Promise<void>((resolve) => {
        const poll = async () =>
          (await kv.get('short')) === null ? resolve() : setTimeout(poll, 10);
        void poll();
      });
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

    it('setUnlessGuarded refuses while the guard exists', async () => {
      expect(await kv.setUnlessGuarded('sess:{abc}', 'sess-ended:{abc}', 'v1', 10_000)).toBe(true);
      await kv.set('sess-ended:{abc}', '1', 10_000);
      expect(await kv.setUnlessGuarded('sess:{abc}', 'sess-ended:{abc}', 'v2', 10_000)).toBe(false);
      expect(await kv.get('sess:{abc}')).toBe('v1');
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
