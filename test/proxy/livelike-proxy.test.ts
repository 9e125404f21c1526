import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import {
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  type TestApp,
} from '../support/test-app';

let livelike: LiveLikeStandIn;
let t: TestApp;
let clock = Date.now();
beforeAll(async () => {
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  // Upstream timeouts far beyond the test's: only the caller's hang-up can end the call in time.
  t = await startTestApp({
    env: { LIVELIKE_API_URL: livelike.apiUrl, UPSTREAM_TIMEOUT_MS: '120000' },
    now: () => clock,
  });
});
afterAll(async () => {
  await t.close();
  await livelike.close();
});

const profilePath = `/livelike/api/applications/${LIVELIKE_CLIENT_ID}/profile/`;

it("calls LiveLike as the session's user, with a profile token LiveLike accepts", async () => {
  const { sessionToken } = await login(t, { sub: 'fan-1' });
  const res = await request(t.url)
    .get(profilePath)
    .set('Authorization', `Bearer ${sessionToken}`)
    .expect(200);
  expect(res.body).toMatchObject({ custom_profile_id: 'fan-1' });
  await expectDocumented(res, 'GET', '/livelike/api/{path}');
  const sent = livelike.requests.at(-1)!.headers.authorization;
  expect(sent).toMatch(/^Bearer eyJ/);
  expect(sent).not.toContain(sessionToken);
});

it('reuses the minted token until a minute before it expires, then mints a new one', async () => {
  const { cookie } = await login(t, { sub: 'fan-2' });
  const tokenSent = async () => {
    await request(t.url).get(profilePath).set('Cookie', cookie).set('X-CSRF', '1').expect(200);
    return livelike.requests.at(-1)!.headers.authorization;
  };
  const first = await tokenSent();
  clock += 30 * 60_000; // a freshly minted token would carry another iat, so another signature
  expect(await tokenSent()).toBe(first);
  clock += 29 * 60_000 + 1_000; // 59 s before its exp (the default TTL is an hour)
  const renewed = await tokenSent();
  expect(renewed).not.toBe(first);
  expect(await tokenSent()).toBe(renewed);
});

it('answers 401 not_authenticated without a user, and never calls LiveLike', async () => {
  const before = livelike.requests.length;
  const res = await request(t.url).get(profilePath);
  expect(res.status).toBe(401);
  expect(res.body.code).toBe('not_authenticated');
  await expectDocumented(res, 'GET', '/livelike/api/{path}');
  expect(livelike.requests.length).toBe(before);
});

it('ends the upstream call when the caller hangs up', async () => {
  // The app's ID token is judged by the service's clock, which the tests above moved on.
  clock = Date.now();
  const { sessionToken } = await login(t, { sub: 'fan-3' });
  const { hostname, port } = new URL(t.url);
  const arrived = once(livelike.events, 'request');
  const closed = once(livelike.events, 'closed');
  const noted = t.logs.next((e) => e.msg === 'caller left before the upstream answered');
  const call = httpRequest({
    hostname,
    port,
    path: '/livelike/api/hang',
    headers: { authorization: `Bearer ${sessionToken}` },
  });
  call.on('error', () => undefined);
  call.end();
  await arrived;
  call.destroy();
  const [path] = await closed;
  expect(path).toBe('/api/v1/hang');
  // An operator sees a caller who left, not an upstream failure.
  const { reqId } = await noted;
  const about = t.logs.entries().filter((e) => e.reqId === reqId);
  expect(about.filter((e) => Number(e.level) >= 50)).toEqual([]);
});
