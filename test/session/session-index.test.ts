import type { SessionData } from 'express-session';
import { SessionStore } from '../../src/session/express-session-adapter';
import { SessionIndex, type DeviceRecord, type EndReason } from '../../src/session/session-index';
import { kvBackends, testClock, type TestStore } from '../support/kv-backends';

const TTL_SECONDS = 3600;
const TTL_MS = TTL_SECONDS * 1000;

describe.each(kvBackends('test:session-index'))('SessionIndex on $name', (backend) => {
  let clock: ReturnType<typeof testClock>;
  let store: TestStore;
  let sessions: SessionStore;
  let index: SessionIndex;
  let hooked: { sessionId: string; data: Partial<SessionData> }[];
  let ended: EndReason[];

  beforeEach(async () => {
    clock = testClock();
    store = await backend.open(clock.now);
    sessions = new SessionStore(store.kv, TTL_SECONDS);
    hooked = [];
    ended = [];
    index = new SessionIndex({
      kv: store.kv,
      store: sessions,
      ttlMs: TTL_MS,
      now: clock.now,
      onEnd: [async (sessionId, data) => void hooked.push({ sessionId, data })],
      onEnded: ({ reason }) => void ended.push(reason),
    });
  });
  afterEach(() => store.close());

  /** A stored session of `userId` and its index entry, created `ageMs` ago. */
  async function started(userId: string, sessionId: string, handle: string, ageMs = 0) {
    const createdAt = clock.now() - ageMs;
    const data = {
      cookie: { originalMaxAge: TTL_MS },
      createdAt,
      touchedAt: createdAt,
      user: { id: userId, source: 'app' },
      device: { handle, carrier: 'cookie', userAgent: 'test' },
      grants: { likecoin: `grant-of-${sessionId}` },
    } as unknown as SessionData;
    await sessions.set(sessionId, data);
    await index.record(userId, handle, device(sessionId, createdAt));
    return data;
  }

  function device(sessionId: string, createdAt: number, expiresAt = clock.now() + TTL_MS) {
    return {
      sessionId,
      carrier: 'cookie',
      userAgent: 'test',
      createdAt,
      lastSeenAt: createdAt,
      expiresAt,
    } satisfies DeviceRecord;
  }

  const handlesOf = async (userId: string) => (await index.list(userId)).map((d) => d.handle);
  const isLive = async (sessionId: string) => (await sessions.get(sessionId)) != null;

  describe('record and list', () => {
    it('lists a user’s sessions newest first, equal times by handle, with their records', async () => {
      const t = clock.now();
      await index.record('alice', 'h-old', device('s1', t - 3000));
      await index.record('alice', 'h-new', device('s2', t - 1000));
      await index.record('alice', 'h-b', device('s3', t - 2000));
      await index.record('alice', 'h-a', device('s4', t - 2000));
      await index.record('bob', 'h-bob', device('s5', t));
      expect(await handlesOf('alice')).toEqual(['h-new', 'h-a', 'h-b', 'h-old']);
      expect((await index.list('alice'))[0]).toEqual({
        handle: 'h-new',
        ...device('s2', t - 1000),
      });
      expect(await handlesOf('bob')).toEqual(['h-bob']);
      expect(await index.list('nobody')).toEqual([]);
    });

    it('recording a handle again replaces its entry', async () => {
      const t = clock.now();
      await index.record('alice', 'h1', device('s1', t - 1000));
      await index.record('alice', 'h1', device('s1', t));
      const listed = await index.list('alice');
      expect(listed).toHaveLength(1);
      expect(listed[0]?.createdAt).toBe(t);
    });

    it('leaves out lapsed sessions, and prunes them from the index', async () => {
      const t = clock.now();
      await index.record('alice', 'h-short', device('s1', t, t + 10_000));
      await index.record('alice', 'h-long', device('s2', t, t + TTL_MS));
      clock.advance(10_000);
      expect(await handlesOf('alice')).toEqual(['h-long']);
      // Back before the lapse: the entry is gone from the store, not just left out.
      clock.advance(-10_000);
      expect(await handlesOf('alice')).toEqual(['h-long']);
    });

    it('forget drops one handle of the user only', async () => {
      await started('alice', 's1', 'h1');
      await started('alice', 's2', 'h2');
      await index.forget('alice', 'h1');
      await index.forget('bob', 'h2');
      expect(await handlesOf('alice')).toEqual(['h2']);
      // Forgetting the entry ends nothing.
      expect(await isLive('s1')).toBe(true);
      expect(ended).toEqual([]);
    });
  });

  describe('end', () => {
    it('runs the hooks with the stored data, reports the reason and tombstones the session', async () => {
      const data = await started('alice', 's1', 'h1');
      await index.end('s1', 'alice', 'h1', 'logout');
      expect(hooked).toEqual([{ sessionId: 's1', data: JSON.parse(JSON.stringify(data)) }]);
      expect(ended).toEqual(['logout']);
      expect(await handlesOf('alice')).toEqual([]);
      expect(await isLive('s1')).toBe(false);
      // A request that loaded it before cannot write it back.
      await sessions.set('s1', data);
      expect(await isLive('s1')).toBe(false);
    });

    it('hands the hooks what the caller knows instead, and works without an index entry', async () => {
      await started('alice', 's1', 'h1');
      const known = { grants: { likecoin: 'known-grant' } };
      await index.end('s1', undefined, undefined, 'expired', known);
      expect(hooked).toEqual([{ sessionId: 's1', data: known }]);
      expect(ended).toEqual(['expired']);
      expect(await isLive('s1')).toBe(false);
      expect(await handlesOf('alice')).toEqual(['h1']);
    });

    it('ends a session never stored with empty data for the hooks', async () => {
      await index.end('ghost', undefined, undefined, 'revoked');
      expect(hooked).toEqual([{ sessionId: 'ghost', data: {} }]);
      expect(await isLive('ghost')).toBe(false);
    });

    it('retire runs the hooks and nothing else', async () => {
      await started('alice', 's1', 'h1');
      await index.retire('s1', { grants: { likecoin: 'g' } });
      expect(hooked).toEqual([{ sessionId: 's1', data: { grants: { likecoin: 'g' } } }]);
      expect(ended).toEqual([]);
      expect(await isLive('s1')).toBe(true);
      expect(await handlesOf('alice')).toEqual(['h1']);
    });
  });

  describe('endByHandle', () => {
    it('ends the user’s own session behind the handle', async () => {
      await started('alice', 's1', 'h1');
      await started('alice', 's2', 'h2');
      expect(await index.endByHandle('alice', 'h1', 'revoked')).toBe(true);
      expect(await isLive('s1')).toBe(false);
      expect(await isLive('s2')).toBe(true);
      expect(await handlesOf('alice')).toEqual(['h2']);
      expect(ended).toEqual(['revoked']);
      expect(hooked.map((h) => h.sessionId)).toEqual(['s1']);
    });

    it('is false for another user’s handle, or an unknown one, and ends nothing', async () => {
      await started('alice', 's1', 'h1');
      expect(await index.endByHandle('mallory', 'h1', 'revoked')).toBe(false);
      expect(await index.endByHandle('alice', 'unknown', 'revoked')).toBe(false);
      expect(await isLive('s1')).toBe(true);
      expect(await handlesOf('alice')).toEqual(['h1']);
      expect(ended).toEqual([]);
      expect(hooked).toEqual([]);
    });
  });

  describe('endAll', () => {
    it('ends every session of the user but the one kept', async () => {
      await started('alice', 's1', 'h1', 3);
      await started('alice', 's2', 'h2', 2);
      await started('alice', 's3', 'h3', 1);
      await started('bob', 'sb', 'hb');
      expect(await index.endAll('alice', 'everywhere', 's2')).toBe(2);
      expect(await handlesOf('alice')).toEqual(['h2']);
      expect([await isLive('s1'), await isLive('s2'), await isLive('s3')]).toEqual([
        false,
        true,
        false,
      ]);
      expect(ended).toEqual(['everywhere', 'everywhere']);
      expect(hooked.map((h) => h.sessionId).sort()).toEqual(['s1', 's3']);
      expect(await isLive('sb')).toBe(true);
    });

    it('ends them all when none is kept', async () => {
      await started('alice', 's1', 'h1');
      await started('alice', 's2', 'h2');
      expect(await index.endAll('alice', 'revoked')).toBe(2);
      expect(await handlesOf('alice')).toEqual([]);
      expect(await isLive('s1')).toBe(false);
      expect(await isLive('s2')).toBe(false);
      expect(await index.endAll('alice', 'revoked')).toBe(0);
    });
  });

  describe('cap', () => {
    it('ends the oldest beyond max, never the one kept, and counts the kept one in', async () => {
      for (let i = 1; i <= 5; i++) await started('alice', `s${i}`, `h${i}`, 10 - i);
      // s1 is the oldest; keep it (the login being made), as if it were new.
      expect(await index.cap('alice', 3, 's1')).toBe(2);
      expect((await handlesOf('alice')).sort()).toEqual(['h1', 'h4', 'h5']);
      expect(await isLive('s2')).toBe(false);
      expect(await isLive('s3')).toBe(false);
      expect(await isLive('s1')).toBe(true);
      expect(ended).toEqual(['too_many_sessions', 'too_many_sessions']);
    });

    it('leaves room for a login not listed yet', async () => {
      for (let i = 1; i <= 3; i++) await started('alice', `s${i}`, `h${i}`, 10 - i);
      expect(await index.cap('alice', 3, 'new-login')).toBe(1);
      expect(await handlesOf('alice')).toEqual(['h3', 'h2']);
      expect(await isLive('s1')).toBe(false);
    });

    it('ends nothing while the user is within max', async () => {
      await started('alice', 's1', 'h1', 2);
      await started('alice', 's2', 'h2', 1);
      expect(await index.cap('alice', 3, 's2')).toBe(0);
      expect(await handlesOf('alice')).toEqual(['h2', 'h1']);
      expect(ended).toEqual([]);
    });
  });
});
