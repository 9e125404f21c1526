import request from 'supertest';
import { keys } from '../../src/store/keys';
import { auditLines, auditSince, fieldsOf, secretsIn, sessionIdOf } from '../support/audit-lines';
import {
  asLiker,
  connectedApp,
  connectedBrowser,
  connectedWithExpiredToken,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';

// Issue 25, part 2: a LikeCoin grant connected, replaced, refused and forgotten is on record,
// with the session's user and device, the Liker ID where it is known, and never a token or code.

let s: LikeCoinSetup;
const credentials: string[] = [];
beforeAll(async () => {
  s = await startWithLikeCoin();
});
afterAll(async () => {
  // Every secret that crossed the wire: the token endpoint's form values (codes, refresh
  // tokens, our client secret), the Bearer tokens sent to the API, the sessions' credentials.
  const secrets = [...credentials, ...credentials.map(sessionIdOf)];
  for (const r of s.provider.requests) {
    for (const [, value] of new URLSearchParams(r.body)) secrets.push(value);
    const auth = r.headers.authorization;
    if (auth) secrets.push(auth.replace(/^Bearer /, ''));
  }
  expect(secrets.length).toBeGreaterThan(10);
  expect(secretsIn(auditLines(s.t.logs), secrets)).toEqual([]);
  await s.close();
});

const mark = () => auditLines(s.t.logs).length;
const cookieHeaders = (cookie: string) => ({ Cookie: cookie, 'X-CSRF': '1' });

/** The current session's device handle. */
async function handleOf(headers: Record<string, string>): Promise<string> {
  const res = await request(s.t.url).get('/sessions').set(headers).set('X-CSRF', '1').expect(200);
  return (res.body.sessions as { id: string; current: boolean }[]).find((d) => d.current)!.id;
}

it('grant.connected: a sign-in with LikeCoin, then the same Liker on a second device replaces it', async () => {
  asLiker(s.provider, 'audit-liker');
  const before = mark();
  const browser = await connectedBrowser(s);
  credentials.push(browser);
  const device = await handleOf({ Cookie: browser });
  const first = auditSince(s.t.logs, before).map(fieldsOf);
  expect(first.map((l) => l.event)).toEqual(['session.started', 'grant.connected']);
  expect(first[1]).toEqual({
    audit: true,
    event: 'grant.connected',
    user_id: 'likecoin:audit-liker',
    device,
    ip: '127.0.0.1',
    provider: 'likecoin',
    grant: expect.stringMatching(/^[\w-]{32}$/),
    subject: 'audit-liker',
    replaced: false,
  });

  // An app user links the same Liker: a link (no new session), the grant's tokens replaced.
  const again = mark();
  const app = await connectedApp(s, 'audit-app-user');
  credentials.push(app);
  const linked = auditSince(s.t.logs, again)
    .map(fieldsOf)
    .filter((l) => l.event === 'grant.connected');
  expect(linked).toEqual([
    {
      ...first[1],
      user_id: 'audit-app-user',
      device: await handleOf({ Authorization: `Bearer ${app}` }),
      replaced: true,
    },
  ]);
});

it('grant.forgotten: disconnect (the last link), everywhere, and with the last session', async () => {
  asLiker(s.provider, 'audit-liker-2');
  const one = await connectedBrowser(s);
  credentials.push(one);
  const device = await handleOf({ Cookie: one });
  let before = mark();
  await request(s.t.url).delete('/likecoin/connection').set(cookieHeaders(one)).expect(204);
  const [disconnected] = auditSince(s.t.logs, before).map(fieldsOf);
  expect(disconnected).toEqual({
    audit: true,
    event: 'grant.forgotten',
    user_id: 'likecoin:audit-liker-2',
    device,
    ip: '127.0.0.1',
    provider: 'likecoin',
    grant: expect.any(String),
    reason: 'disconnect',
  });

  const two = await connectedBrowser(s);
  credentials.push(two);
  before = mark();
  await request(s.t.url)
    .delete('/likecoin/connection?everywhere=true')
    .set(cookieHeaders(two))
    .expect(204);
  expect(auditSince(s.t.logs, before).map((l) => [l.event, l.reason])).toEqual([
    ['grant.forgotten', 'everywhere'],
  ]);

  // Signing out the only session linked to a grant forgets the grant with it.
  const three = await connectedBrowser(s);
  credentials.push(three);
  const threeDevice = await handleOf({ Cookie: three });
  before = mark();
  await request(s.t.url).delete('/session').set(cookieHeaders(three)).expect(204);
  expect(auditSince(s.t.logs, before).map(fieldsOf)).toEqual([
    expect.objectContaining({
      event: 'grant.forgotten',
      reason: 'last_session',
      device: threeDevice,
    }),
    expect.objectContaining({ event: 'session.ended', reason: 'logout', device: threeDevice }),
  ]);
});

it('refresh.refused: the provider refuses the refresh token; the grant is forgotten for all', async () => {
  asLiker(s.provider, 'audit-liker-3');
  const browser = await connectedWithExpiredToken(s);
  credentials.push(browser);
  const device = await handleOf({ Cookie: browser });
  s.provider.revokeRefreshTokens('audit-liker-3');
  const before = mark();
  await request(s.t.url).get('/likecoin/api/users/profile').set(cookieHeaders(browser)).expect(401);
  const lines = auditSince(s.t.logs, before).map(fieldsOf);
  const common = {
    audit: true,
    user_id: 'likecoin:audit-liker-3',
    device,
    ip: '127.0.0.1',
    provider: 'likecoin',
    grant: expect.any(String),
    subject: 'audit-liker-3',
    reason: 'grant_refused',
  };
  expect(lines).toEqual([
    { ...common, event: 'refresh.refused', linked_sessions: 1 },
    { ...common, event: 'grant.forgotten' },
  ]);
  // The session lives on without its grant: no session.ended line, and none counted.
  expect(await s.t.metrics.registry.metrics()).not.toMatch(/reason="grant_refused"/);
});

it('session.ended, legacy_identity: a Liker session from before Likers were likecoin:<id>', async () => {
  asLiker(s.provider, 'audit-carol');
  const browser = await connectedBrowser(s);
  credentials.push(browser);
  const device = await handleOf({ Cookie: browser });
  const key = keys.session(sessionIdOf(browser));
  const stored = JSON.parse((await s.t.kv.get(key))!) as { user: unknown };
  stored.user = { id: 'audit-carol', source: 'likecoin' };
  await s.t.kv.set(key, JSON.stringify(stored), 60_000);
  const before = mark();
  await request(s.t.url).get('/session').set('Cookie', browser).expect(200);
  expect(
    auditSince(s.t.logs, before)
      .map(fieldsOf)
      .filter((l) => l.event === 'session.ended'),
  ).toEqual([
    {
      audit: true,
      event: 'session.ended',
      user_id: 'audit-carol',
      device,
      reason: 'legacy_identity',
      ip: '127.0.0.1',
    },
  ]);
});

it('no audit line for what is not a security event: reading the session, a proxied call', async () => {
  const app = await login(s.t, { sub: 'audit-quiet' });
  credentials.push(app.sessionToken, app.cookie);
  const before = mark();
  await request(s.t.url).get('/session').set('Authorization', `Bearer ${app.sessionToken}`);
  await request(s.t.url).get('/livelike/token').set('Authorization', `Bearer ${app.sessionToken}`);
  expect(auditSince(s.t.logs, before)).toEqual([]);
});
