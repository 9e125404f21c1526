import request from 'supertest';
import {
  connectedBrowser,
  likeCoinEnv,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { startTestApp, type TestApp } from '../support/test-app';

let s: LikeCoinSetup;
afterEach(() => s.close());

const refreshes = () =>
  s.provider.requests.filter(
    (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
  ).length;
const realSeconds = () => Math.floor(Date.now() / 1000);
const call = (t: TestApp, cookie: string, path: string) =>
  request(t.url).get(`/likecoin/api${path}`).set('Cookie', cookie).set('X-CSRF', '1');

it('an API that refuses every token: 10 calls on two instances cost one refresh, and callers see its 401', async () => {
  s = await startWithLikeCoin();
  const cookie = await connectedBrowser(s);
  const second = await startTestApp({ env: likeCoinEnv(s.provider), keyPrefix: s.t.keyPrefix });
  try {
    for (let i = 0; i < 10; i++) {
      const res = await call(i % 2 === 0 ? s.t : second, cookie, '/rejects-token');
      expect(res.status).toBe(401);
      expect(res.text).toBe('TOKEN_EXPIRED');
    }
    // Well within the cooldown (a few seconds): the first 401 refreshed, none after it did.
    expect(refreshes()).toBe(1);
    // At most one replay per call, never a loop.
    expect(s.provider.count('/api/rejects-token')).toBeLessThanOrEqual(20);
    // The grant is still good for what the API does accept.
    await call(s.t, cookie, '/users/profile').expect(200);
  } finally {
    await second.close();
  }
});

it('refreshes over the per-grant limit: 429 rate_limited, and no call to the token endpoint', async () => {
  s = await startWithLikeCoin({ RATE_LIMIT_REFRESH_PER_GRANT: '2' });
  // LikeCoin's clock an hour behind: every token it issues has expired by our clock, so every
  // call refreshes first (an expiry refresh, which the cooldown does not hold back).
  s.provider.setClock(() => realSeconds() - 3600);
  const cookie = await connectedBrowser(s);
  await call(s.t, cookie, '/users/profile').expect(200);
  await call(s.t, cookie, '/users/profile').expect(200);
  expect(refreshes()).toBe(2);
  const apiCalls = s.provider.count('/api/users/profile');

  const res = await call(s.t, cookie, '/users/profile');
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('rate_limited');
  expect(res.headers['retry-after']).toMatch(/^([1-9]|[1-5]\d|60)$/);
  expect(refreshes()).toBe(2);
  expect(s.provider.count('/api/users/profile')).toBe(apiCalls);
  // Not a refusal by the provider: the grant is kept.
  const view = await request(s.t.url).get('/session').set('Cookie', cookie).expect(200);
  expect(view.body.likecoin.connected).toBe(true);
});
