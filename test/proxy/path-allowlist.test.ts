import request from 'supertest';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { connectedBrowser, startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import { login } from '../support/login';
import { LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// LIKECOIN_API_PATHS / LIVELIKE_API_PATHS: the proxy forwards only what is listed.
let s: LikeCoinSetup;
let livelike: LiveLikeStandIn;
beforeAll(async () => {
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  s = await startWithLikeCoin({
    LIKECOIN_API_PATHS: '/users/profile',
    LIVELIKE_API_URL: livelike.apiUrl,
    LIVELIKE_API_PATHS: `/applications/${LIVELIKE_CLIENT_ID}/`,
  });
});
afterAll(async () => {
  await s.close();
  await livelike.close();
});

it('forwards a listed path, and refuses others with 403 path_not_allowed, sending nothing', async () => {
  const cookie = await connectedBrowser(s);
  const call = (path: string) =>
    request(s.t.url).get(`/likecoin/api${path}`).set('Cookie', cookie).set('X-CSRF', '1');
  expect((await call('/users/profile')).status).toBe(200);
  expect((await call('/users/profile?fields=user')).status).toBe(200);
  const before = s.provider.requests.length;
  for (const path of ['/users/profile-admin', '/users', '/wallet/send', '/USERS/profile']) {
    const res = await call(path);
    expect([path, res.status, res.body.code]).toEqual([path, 403, 'path_not_allowed']);
  }
  // An encoded spelling of an allowed path is not guessed at.
  expect((await call('/users/%70rofile')).body.code).toBe('path_not_allowed');
  expect(s.provider.requests.length).toBe(before);
});

it('applies LIVELIKE_API_PATHS to the LiveLike proxy the same way', async () => {
  const { sessionToken } = await login(s.t, { sub: 'fan-allow' });
  const call = (path: string) =>
    request(s.t.url).get(`/livelike/api${path}`).set('Authorization', `Bearer ${sessionToken}`);
  expect((await call(`/applications/${LIVELIKE_CLIENT_ID}/profile/`)).status).toBe(200);
  const before = livelike.requests.length;
  const res = await call('/applications/someone-else/profile/');
  expect([res.status, res.body.code]).toEqual([403, 'path_not_allowed']);
  expect(livelike.requests.length).toBe(before);
});
