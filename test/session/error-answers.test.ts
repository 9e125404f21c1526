import request from 'supertest';
import { login } from '../support/login';
import { startTestApp, type TestApp } from '../support/test-app';

// Bend 4 of the session adapter, as a client sees it: an error answer commits nothing of what
// the request did to its session, not even the idle extension the session chain made on the way.
let clock = Date.now();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: () => clock });
});
afterAll(() => t.close());

it('sends no cookie and stores nothing when the answer is an error', async () => {
  const { cookie, sessionToken } = await login(t, { sub: 'erring-user' });
  const key = `sess:${sessionToken.split('.')[0]}`;
  await t.redis.pexpire(key, 1_000_000); // as if much of the idle lifetime had passed
  clock += 86_400_000 / 5; // past the idle-extension interval (a tenth of the default day)
  const refused = await request(t.url).get('/sessions').set('Cookie', cookie); // no X-CSRF
  expect(refused.status).toBe(403);
  expect(refused.body.code).toBe('csrf_rejected');
  expect(refused.headers['set-cookie']).toBeUndefined();
  expect(await t.redis.pttl(key)).toBeLessThanOrEqual(1_000_000);
  // The same request without the error extends it.
  const ok = await request(t.url).get('/sessions').set('Cookie', cookie).set('X-CSRF', '1');
  expect(ok.status).toBe(200);
  expect(await t.redis.pttl(key)).toBeGreaterThan(1_000_000);
});
