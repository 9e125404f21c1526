import { randomBytes } from 'node:crypto';
import { GrantStore, type GrantStoreOptions } from '../../src/oauth/grant-store';
import type { GrantedTokens } from '../../src/oauth/provider';
import { SealedBox } from '../../src/store/sealed-box';
import { kvBackends, type TestStore } from '../support/kv-backends';

const OPTIONS: GrantStoreOptions = { namespace: 'likecoin', ttlMs: 60_000, cacheEntries: 10 };
const T0 = 1_800_000_000_000;
const LATER = T0 + 3_600_000;

function tokens(subject: string, over: Partial<GrantedTokens> = {}): GrantedTokens {
  return {
    subject,
    displayName: subject,
    avatar: '',
    accessToken: `access-${subject}-${randomBytes(4).toString('hex')}`,
    refreshToken: `refresh-${subject}`,
    scopes: ['profile'],
    expiresAt: T0 + 3_600_000,
    issuedAt: T0,
    requestedAt: T0,
    ...over,
  };
}

describe.each(kvBackends('test:grant-store'))('GrantStore on $name', (backend) => {
  let store: TestStore;
  let box: SealedBox;
  let grants: GrantStore;
  beforeEach(async () => {
    store = await backend.open(() => T0);
    box = new SealedBox([randomBytes(32)]);
    grants = new GrantStore(store.kv, box, OPTIONS);
  });
  afterEach(() => store.close());

  const accessTokenOf = async (grantId: string) => (await grants.read(grantId))?.tokens.accessToken;

  describe('idOf', () => {
    it('is stable, and differs per subject and per namespace', () => {
      const again = new GrantStore(store.kv, box, OPTIONS);
      const elsewhere = new GrantStore(store.kv, box, { ...OPTIONS, namespace: 'other' });
      expect(grants.idOf('alice')).toBe(again.idOf('alice'));
      expect(grants.idOf('alice')).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(grants.idOf('alice')).not.toBe(grants.idOf('bob'));
      expect(grants.idOf('alice')).not.toBe(grants.idOf('Alice'));
      expect(grants.idOf('alice')).not.toBe(elsewhere.idOf('alice'));
    });
  });

  describe('connect', () => {
    it('stores the tokens under the subject’s grant and links the session', async () => {
      const set = tokens('alice');
      const { grantId, replaced } = await grants.connect(set, 's1', LATER);
      expect(grantId).toBe(grants.idOf('alice'));
      expect(replaced).toBe(false);
      expect((await grants.read(grantId))?.tokens).toEqual(set);
      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual(set);
      expect(await grants.linkedSessions(grantId)).toEqual(['s1']);
    });

    it('says replaced when a newer set takes the place of a stored one, for every session', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      const newer = tokens('alice', { issuedAt: T0 + 1000 });
      expect(await grants.connect(newer, 's2', LATER)).toEqual({ grantId, replaced: true });
      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual(newer);
      expect((await grants.readFor(grantId, 's2'))?.tokens).toEqual(newer);
      expect((await grants.linkedSessions(grantId)).sort()).toEqual(['s1', 's2']);
    });

    it('never lets an older issued set replace a newer one; its session links to the newer', async () => {
      const newer = tokens('alice', { issuedAt: T0 + 1000 });
      const { grantId } = await grants.connect(newer, 's1', LATER);
      const older = tokens('alice', { issuedAt: T0, requestedAt: T0 + 5000 });
      expect(await grants.connect(older, 's2', LATER)).toEqual({ grantId, replaced: false });
      expect((await grants.readFor(grantId, 's2'))?.tokens).toEqual(newer);
    });

    it('orders sets issued in the same second by when their request was sent', async () => {
      const sentLater = tokens('alice', { requestedAt: T0 + 200 });
      const sentEarlier = tokens('alice', { requestedAt: T0 + 100 });
      const { grantId } = await grants.connect(sentLater, 's1', LATER);
      expect((await grants.connect(sentEarlier, 's2', LATER)).replaced).toBe(false);
      expect(await accessTokenOf(grantId)).toBe(sentLater.accessToken);
      const sentLast = tokens('alice', { requestedAt: T0 + 300 });
      expect((await grants.connect(sentLast, 's3', LATER)).replaced).toBe(true);
      expect(await accessTokenOf(grantId)).toBe(sentLast.accessToken);
    });

    it('keeps the newest set whichever of two racing connections writes first', async () => {
      // Each write is a compare-and-set on the value read: over an empty grant, and over one
      // holding an older set that both racers read before either writes.
      for (const start of ['empty', 'held']) {
        for (const order of ['older first', 'newer first']) {
          const subject = `racer-${start}-${order}`;
          if (start === 'held')
            await grants.connect(tokens(subject, { issuedAt: T0 - 1000 }), 'sh', LATER);
          const older = tokens(subject, { issuedAt: T0 });
          const newer = tokens(subject, { issuedAt: T0 + 1000 });
          const racing = order === 'older first' ? [older, newer] : [newer, older];
          await Promise.all(racing.map((set, i) => grants.connect(set, `s${i}`, LATER)));
          const grantId = grants.idOf(subject);
          for (const session of ['s0', 's1', ...(start === 'held' ? ['sh'] : [])]) {
            const read = await grants.readFor(grantId, session);
            expect(read?.tokens.accessToken).toBe(newer.accessToken);
          }
        }
      }
    });

    it('keeps subjects apart', async () => {
      const alice = tokens('alice');
      const bob = tokens('bob');
      const a = await grants.connect(alice, 's1', LATER);
      const b = await grants.connect(bob, 's2', LATER);
      expect(a.grantId).not.toBe(b.grantId);
      expect(await accessTokenOf(a.grantId)).toBe(alice.accessToken);
      expect(await accessTokenOf(b.grantId)).toBe(bob.accessToken);
      expect(await grants.readFor(a.grantId, 's2')).toBeUndefined();
    });
  });

  describe('readFor', () => {
    it('answers only for a session linked to the grant', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      expect(await grants.read(grantId)).toBeDefined();
      expect(await grants.readFor(grantId, 'stranger')).toBeUndefined();
      expect(await grants.readFor(grants.idOf('nobody'), 's1')).toBeUndefined();
    });
  });

  describe('links', () => {
    it('link adds a session; touch keeps a linked one and never links another', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      await grants.link(grantId, 's2', LATER);
      await grants.touch(grantId, 's1', LATER + 1000);
      await grants.touch(grantId, 'never-linked', LATER);
      expect((await grants.linkedSessions(grantId)).sort()).toEqual(['s1', 's2']);
      expect(await grants.readFor(grantId, 's2')).toBeDefined();
      expect(await grants.readFor(grantId, 'never-linked')).toBeUndefined();
    });

    it('an undone link stays undone when its session is touched again', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      await grants.link(grantId, 's2', LATER);
      expect(await grants.unlink(grantId, 's2', T0)).toBe(false);
      await grants.touch(grantId, 's2', LATER);
      expect(await grants.readFor(grantId, 's2')).toBeUndefined();
      expect(await grants.linkedSessions(grantId)).toEqual(['s1']);
    });

    it('unlinking keeps the grant while a live link is left, and forgets it with the last', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      await grants.link(grantId, 's2', LATER);
      const k = grants.keysOf(grantId);
      await store.kv.set(k.lock, 'refresher-1', 60_000);
      await store.kv.set(k.recentlyRefreshed, '1', 60_000);

      expect(await grants.unlink(grantId, 's1', T0)).toBe(false);
      expect(await grants.readFor(grantId, 's2')).toBeDefined();
      expect(await store.kv.get(k.lock)).toBe('refresher-1');

      expect(await grants.unlink(grantId, 's2', T0)).toBe(true);
      expect(await grants.read(grantId)).toBeUndefined();
      expect(await grants.linkedSessions(grantId)).toEqual([]);
      expect(await store.kv.get(k.lock)).toBeNull();
      expect(await store.kv.get(k.recentlyRefreshed)).toBeNull();
    });

    it('a lapsed link does not keep the grant when the last live one goes', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 'live', LATER);
      await grants.link(grantId, 'lapsed', T0 - 1);
      expect(await grants.unlink(grantId, 'live', T0)).toBe(true);
      expect(await grants.read(grantId)).toBeUndefined();
    });

    it('a connected subject’s grant survives an unlink that names an unknown session', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      expect(await grants.unlink(grantId, 'unknown', T0)).toBe(false);
      expect(await grants.readFor(grantId, 's1')).toBeDefined();
    });
  });

  describe('compare-and-set', () => {
    it('replace writes over the version read, and a stale version loses', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      const read = (await grants.read(grantId))!;
      const refreshed = tokens('alice', { issuedAt: T0 + 1000 });
      expect(await grants.replace(grantId, read.version, refreshed)).toBe(true);
      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual(refreshed);

      const late = tokens('alice', { issuedAt: T0 + 2000 });
      expect(await grants.replace(grantId, read.version, late)).toBe(false);
      expect(await accessTokenOf(grantId)).toBe(refreshed.accessToken);
    });

    it('replace does not bring back a forgotten grant', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      const read = (await grants.read(grantId))!;
      await grants.forget(grantId);
      expect(await grants.replace(grantId, read.version, tokens('alice'))).toBe(false);
      expect(await grants.read(grantId)).toBeUndefined();
    });

    it('forgetIfUnchanged forgets only the version read', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      const stale = (await grants.read(grantId))!;
      const reconnected = tokens('alice', { issuedAt: T0 + 1000 });
      await grants.connect(reconnected, 's2', LATER);

      expect(await grants.forgetIfUnchanged(grantId, stale.version)).toBe(false);
      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual(reconnected);

      const current = (await grants.read(grantId))!;
      expect(await grants.forgetIfUnchanged(grantId, current.version)).toBe(true);
      expect(await grants.read(grantId)).toBeUndefined();
      expect(await grants.linkedSessions(grantId)).toEqual([]);
    });

    it('another instance’s replace is seen at once (every read asks the store)', async () => {
      const other = new GrantStore(store.kv, box, OPTIONS);
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      const read = (await grants.read(grantId))!;
      const refreshed = tokens('alice', { issuedAt: T0 + 1000 });
      expect(await other.replace(grantId, read.version, refreshed)).toBe(true);
      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual(refreshed);
      await other.forget(grantId);
      expect(await grants.readFor(grantId, 's1')).toBeUndefined();
    });
  });

  describe('forget', () => {
    it('forgets the tokens, every link, the lock and the cooldown', async () => {
      const { grantId } = await grants.connect(tokens('alice'), 's1', LATER);
      await grants.link(grantId, 's2', LATER);
      const k = grants.keysOf(grantId);
      await store.kv.set(k.lock, 'refresher-1', 60_000);
      await store.kv.set(k.recentlyRefreshed, '1', 60_000);
      await grants.forget(grantId);
      expect(await grants.read(grantId)).toBeUndefined();
      expect(await grants.readFor(grantId, 's1')).toBeUndefined();
      expect(await grants.linkedSessions(grantId)).toEqual([]);
      expect(await store.kv.get(k.lock)).toBeNull();
      expect(await store.kv.get(k.recentlyRefreshed)).toBeNull();
      // A new connection starts afresh.
      expect((await grants.connect(tokens('alice'), 's3', LATER)).replaced).toBe(false);
      expect(await grants.linkedSessions(grantId)).toEqual(['s3']);
    });
  });

  describe('sealing', () => {
    it('a sealed token set copied under another grant id does not open', async () => {
      const alice = await grants.connect(tokens('alice'), 's1', LATER);
      const bob = await grants.connect(tokens('bob'), 's1', LATER);
      const sealed = (await store.kv.get(grants.keysOf(alice.grantId).tokens))!;
      expect(sealed).not.toContain('access-alice');
      await store.kv.set(grants.keysOf(bob.grantId).tokens, sealed, 60_000);
      expect(await grants.read(bob.grantId)).toBeUndefined();
      expect(await grants.readFor(bob.grantId, 's1')).toBeUndefined();
      expect(await new GrantStore(store.kv, box, OPTIONS).read(bob.grantId)).toBeUndefined();
      expect(await grants.read(alice.grantId)).toBeDefined();
    });

    it('reads a set stored before issuedAt/requestedAt existed as issued at 0, the oldest', async () => {
      const grantId = grants.idOf('alice');
      const { issuedAt: _i, requestedAt: _r, ...legacy } = tokens('alice');
      const key = grants.keysOf(grantId).tokens;
      await store.kv.set(key, await box.seal(JSON.stringify(legacy), key), 60_000);
      await grants.link(grantId, 's1', LATER);

      expect((await grants.readFor(grantId, 's1'))?.tokens).toEqual({
        ...legacy,
        issuedAt: 0,
        requestedAt: 0,
      });
      const fresh = tokens('alice', { issuedAt: 1, requestedAt: 1 });
      expect((await grants.connect(fresh, 's2', LATER)).replaced).toBe(true);
      expect(await accessTokenOf(grantId)).toBe(fresh.accessToken);
    });
  });
});
