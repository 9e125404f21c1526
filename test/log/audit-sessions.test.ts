import request from 'supertest';
import { DEFAULT_LIMITS } from '../../src/config';
import { keys } from '../../src/store/keys';
import { appIdToken } from '../support/app-tokens';
import { auditLines, auditSince, fieldsOf, secretsIn, sessionIdOf } from '../support/audit-lines';
import { login, type LoggedIn } from '../support/login';
import { startTestApp, type TestApp } from '../support/test-app';

// Issue 25, part 2: every way a session starts or ends is one audit line, with the user, the
// device handle GET /sessions shows and the client's address, and never a credential.

const TTL_SECONDS = 3600;
const MAX_AGE_SECONDS = 4 * 3600;
let offset = 0;
// Strictly increasing, so each login has a creation time of its own ("oldest" is one session).
let ticks = 0;
const now = () => Date.now() + offset + ticks++;

let t: TestApp;
const credentials: string[] = [];
beforeAll(async () => {
  t = await startTestApp({
    now,
    env: {
      RATE_LIMIT_LOGIN_PER_IP: '0',
      SESSION_TTL_SECONDS: String(TTL_SECONDS),
      SESSION_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS),
    },
  });
});
afterAll(async () => {
  // Whatever the tests did, no audit line carried a session id, a token or a cookie.
  const ids = credentials.map(sessionIdOf);
  expect(secretsIn(auditLines(t.logs), [...credentials, ...ids])).toEqual([]);
  await t.close();
});

async function signIn(sub: string, userAgent = 'audit-test'): Promise<LoggedIn> {
  const res = await request(t.url)
    .post('/session')
    .set('User-Agent', userAgent)
    // Issued by the app's clock, which these tests move.
    .send({ id_token: appIdToken({ sub, iat: Math.floor(now() / 1000) }) })
    .expect(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  credentials.push(cookie, res.body.session_token as string);
  return { cookie, sessionToken: res.body.session_token, body: res.body };
}

/** The device handles GET /sessions shows `who`, with the current one first. */
async function devicesOf(who: LoggedIn): Promise<{ current: string; others: string[] }> {
  const res = await request(t.url)
    .get('/sessions')
    .set('Authorization', `Bearer ${who.sessionToken}`)
    .expect(200);
  const sessions = res.body.sessions as { id: string; current: boolean }[];
  return {
    current: sessions.find((s) => s.current)!.id,
    others: sessions.filter((s) => !s.current).map((s) => s.id),
  };
}

const bearer = (who: LoggedIn) => ({ Authorization: `Bearer ${who.sessionToken}` });
const mark = (event?: string) => auditLines(t.logs, event).length;

it('session.started: the user, the device handle GET /sessions shows, the source, the IP', async () => {
  const before = mark();
  const alice = await signIn('audit-alice');
  const { current } = await devicesOf(alice);
  expect(auditSince(t.logs, before).map(fieldsOf)).toEqual([
    {
      audit: true,
      event: 'session.started',
      user_id: 'audit-alice',
      device: current,
      source: 'app',
      ip: '127.0.0.1',
    },
  ]);
});

it('session.ended, logout: DELETE /session', async () => {
  const bob = await signIn('audit-bob');
  const { current } = await devicesOf(bob);
  const before = mark();
  await request(t.url).delete('/session').set(bearer(bob)).expect(204);
  expect(auditSince(t.logs, before).map(fieldsOf)).toEqual([
    {
      audit: true,
      event: 'session.ended',
      user_id: 'audit-bob',
      device: current,
      reason: 'logout',
      ip: '127.0.0.1',
    },
  ]);
});

it('session.ended, everywhere: one line per session ended', async () => {
  const laptop = await signIn('audit-carol');
  await signIn('audit-carol');
  await signIn('audit-carol');
  const { current, others } = await devicesOf(laptop);
  const before = mark();
  await request(t.url).delete('/sessions').set(bearer(laptop)).set('X-CSRF', '1').expect(204);
  const lines = auditSince(t.logs, before).map(fieldsOf);
  expect(lines).toHaveLength(3);
  expect(lines.map((l) => l.device).sort()).toEqual([current, ...others].sort());
  for (const line of lines) {
    expect(line).toMatchObject({
      event: 'session.ended',
      user_id: 'audit-carol',
      reason: 'everywhere',
      ip: '127.0.0.1',
    });
  }
});

it('session.ended, revoked: DELETE /sessions/<handle> names the device that was ended', async () => {
  const mine = await signIn('audit-dave');
  const lost = await signIn('audit-dave', 'the phone I lost');
  const { current: lostHandle } = await devicesOf(lost);
  const before = mark();
  await request(t.url).delete(`/sessions/${lostHandle}`).set(bearer(mine)).expect(204);
  expect(auditSince(t.logs, before).map(fieldsOf)).toEqual([
    {
      audit: true,
      event: 'session.ended',
      user_id: 'audit-dave',
      device: lostHandle,
      reason: 'revoked',
      ip: '127.0.0.1',
    },
  ]);
});

it('session.ended, replaced: a login on a device whose session is live ends that session', async () => {
  const first = await signIn('audit-erin');
  const { current } = await devicesOf(first);
  const before = mark();
  const again = await request(t.url)
    .post('/session')
    .set('Cookie', first.cookie)
    .set('X-CSRF', '1')
    .send({ id_token: appIdToken({ sub: 'audit-frank' }) })
    .expect(200);
  credentials.push(again.body.session_token as string);
  const lines = auditSince(t.logs, before).map(fieldsOf);
  expect(lines.map((l) => [l.event, l.user_id, l.reason])).toEqual([
    ['session.ended', 'audit-erin', 'replaced'],
    ['session.started', 'audit-frank', undefined],
  ]);
  expect(lines[0]!.device).toBe(current);
});

it('session.ended, too_many_sessions: the login past the cap ends the oldest', async () => {
  const cap = DEFAULT_LIMITS.sessionsPerUser;
  const oldest = await signIn('audit-many');
  const { current: oldestHandle } = await devicesOf(oldest);
  for (let i = 1; i < cap; i++) await login(t, { sub: 'audit-many' });
  const before = mark('session.ended');
  await signIn('audit-many');
  expect(auditSince(t.logs, before, 'session.ended').map(fieldsOf)).toEqual([
    {
      audit: true,
      event: 'session.ended',
      user_id: 'audit-many',
      device: oldestHandle,
      reason: 'too_many_sessions',
      ip: '127.0.0.1',
    },
  ]);
});

describe('sessions that end by time', () => {
  afterEach(() => {
    offset = 0;
  });

  it('expired: a request on a session past its absolute lifetime', async () => {
    const old = await signIn('audit-gina');
    const { current } = await devicesOf(old);
    // Used often enough to stay idle-alive, the session still ends at its absolute lifetime.
    for (let h = 0.5; h < MAX_AGE_SECONDS / 3600; h += 0.5) {
      offset = h * 3600_000;
      await request(t.url).get('/session').set(bearer(old)).expect(200);
    }
    offset = MAX_AGE_SECONDS * 1000 + 1000;
    const before = mark();
    const view = await request(t.url).get('/session').set(bearer(old));
    expect(view.body.authenticated ?? false).toBe(false);
    expect(auditSince(t.logs, before).map(fieldsOf)).toEqual([
      {
        audit: true,
        event: 'session.ended',
        user_id: 'audit-gina',
        device: current,
        reason: 'expired',
        ip: '127.0.0.1',
      },
    ]);
  });

  it('idle: a session that lapsed unseen is reported when the device index is next read', async () => {
    const idle = await signIn('audit-hal');
    const { current: idleHandle } = await devicesOf(idle);
    const later = await signIn('audit-hal');
    // What the store holds once the first session lapsed idle: its key expired (Redis's TTL),
    // its index entry still there, past its time. Nothing in the service ran when it lapsed.
    const lapsedAt = now() - 60_000;
    const key = keys.userSessions('audit-hal');
    const entry = JSON.parse((await t.kv.hashGet(key, idleHandle))!) as { expiresAt: number };
    await t.kv.hashSet(key, idleHandle, JSON.stringify({ ...entry, expiresAt: lapsedAt }), 60_000);
    await t.kv.del(keys.session(sessionIdOf(idle.sessionToken)));

    const before = mark();
    const { others } = await devicesOf(later);
    expect(others).toEqual([]);
    expect(auditSince(t.logs, before).map(fieldsOf)).toEqual([
      {
        audit: true,
        event: 'session.ended',
        user_id: 'audit-hal',
        device: idleHandle,
        reason: 'idle',
        lapsed_at: new Date(lapsedAt).toISOString(),
      },
    ]);
    // Reported once: the entry is gone from the index.
    const again = mark();
    await devicesOf(later);
    expect(auditSince(t.logs, again)).toEqual([]);
  });
});

it('counts in sessions_ended_total exactly the sessions it writes session.ended lines for', async () => {
  const text = await t.metrics.registry.metrics();
  const counted: Record<string, number> = {};
  for (const m of text.matchAll(/^sessions_ended_total\{reason="(\w+)"\} (\d+)$/gm)) {
    counted[m[1]!] = Number(m[2]);
  }
  const written: Record<string, number> = {};
  for (const line of auditLines(t.logs, 'session.ended')) {
    const reason = line.reason as string;
    written[reason] = (written[reason] ?? 0) + 1;
  }
  expect(Object.keys(written).sort()).toEqual(
    ['everywhere', 'expired', 'idle', 'logout', 'replaced', 'revoked', 'too_many_sessions'].sort(),
  );
  expect(counted).toEqual(written);
});
