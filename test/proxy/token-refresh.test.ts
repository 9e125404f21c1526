import request from 'supertest';
import { expectDocumented } from '../support/openapi-conformance';
import {
  connectedBrowser,
  likeCoinEnv,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { startTestApp, type TestApp } from '../support/test-app';

let s: LikeCoinSetup;
beforeEach(async () => {
  s = await startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '1000' });
});
afterEach(() => s.close());

const refreshes = () =>
  s.provider.requests.filter(
    (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
  ).length;
const realSeconds = () => Math.floor(Date.now() / 1000);

/** A browser whose stored LikeCoin access token expires right now. */
async function withExpiredToken(): Promise<string> {
  s.provider.setClock(() => realSeconds() - 3600);
  const cookie = await connectedBrowser(s);
  s.provider.setClock(realSeconds);
  return cookie;
}

const profile = (t: TestApp, cookie: string) =>
  request(t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1');

it('50 concurrent calls on an expired token: exactly one refresh, 50 successes', async () => {
  const cookie = await withExpiredToken();
  const answers = await Promise.all(Array.from({ length: 50 }, () => profile(s.t, cookie)));
  expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
  expect(refreshes()).toBe(1);
  // The rotated refresh token was kept: the next refresh works with it.
  expect(s.provider.liveRefreshToken('alice-liker')).toBeDefined();
});

it('two instances on one Redis: still exactly one refresh', async () => {
  const cookie = await withExpiredToken();
  const second = await startTestApp({
    env: { ...likeCoinEnv(s.provider), LIKECOIN_TIMEOUT_MS: '1000' },
    keyPrefix: s.t.keyPrefix,
  });
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => profile(i % 2 === 0 ? s.t : second, cookie)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(refreshes()).toBe(1);
  } finally {
    await second.close();
  }
});

it('refreshes once and replays when the API says the token expired early', async () => {
  const cookie = await connectedBrowser(s);
  // LikeCoin's clock runs ahead: our token looks fresh to us, expired to the API.
  s.provider.setClock(() => realSeconds() + 7200);
  const apiCallsBefore = s.provider.count('/api/users/profile');
  const res = await profile(s.t, cookie);
  expect(res.status).toBe(200);
  expect(refreshes()).toBe(1);
  expect(s.provider.count('/api/users/profile') - apiCallsBefore).toBe(2);
});

it('a refused refresh forgets the tokens: 401 likecoin_reauthorization_required', async () => {
  const cookie = await withExpiredToken();
  s.provider.revokeRefreshTokens('alice-liker');
  const res = await profile(s.t, cookie);
  expect(res.status).toBe(401);
  expect(res.body.code).toBe('likecoin_reauthorization_required');
  await expectDocumented(res, 'GET', '/likecoin/api/{path}');
  const view = await request(s.t.url).get('/session').set('Cookie', cookie);
  expect(view.body.likecoin.connected).toBe(false);
  expect(view.body.authenticated).toBe(true);
});

it.each([
  ['a 500', 'server_error' as const, 503, 'provider_unavailable'],
  ['a hang', 'hang' as const, 504, 'provider_timeout'],
])(
  '%s at the token endpoint (%s) keeps the tokens: %i %s, one request, never resent',
  async (_l, mode, status, code) => {
    const cookie = await withExpiredToken();
    s.provider.behaviour.token = mode;
    const answers = await Promise.all(Array.from({ length: 5 }, () => profile(s.t, cookie)));
    expect(answers.map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([status, code]));
    await expectDocumented(answers[0]!, 'GET', '/likecoin/api/{path}');
    expect(refreshes()).toBe(1);
    s.provider.behaviour.token = 'ok';
    const view = await request(s.t.url).get('/session').set('Cookie', cookie);
    expect(view.body.likecoin.connected).toBe(true);
  },
);
