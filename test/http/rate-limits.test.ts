import { once } from 'node:events';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { appIdToken } from '../support/app-tokens';
import {
  asLiker,
  atProvider,
  browserStarts,
  connectedBrowser,
  pathOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { login } from '../support/login';
import { startRedisServer } from '../support/redis-server';
import {
  BASE_ENV,
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  withTestApp,
  type TestApp,
  storedKeys,
} from '../support/test-app';

const RETRY_AFTER = /^([1-9]|[1-5]\d|60)$/;

/** The keys of one app matching `pattern` (relative to its prefix). */
async function keysOf(t: TestApp, pattern: string): Promise<string[]> {
  return storedKeys(t, pattern);
}

function expectRateLimited(res: request.Response, policy: string): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 429, code: 'rate_limited' });
  expect(res.headers['retry-after']).toMatch(RETRY_AFTER);
  expect(res.headers['ratelimit']).toMatch(new RegExp(`^"${policy}"; r=0; t=\\d+$`));
  expect(res.headers['ratelimit-policy']).toMatch(new RegExp(`^"${policy}"; q=\\d+; w=60; pk=:`));
  expect(res.headers['set-cookie']).toBeUndefined();
}

const loginRequest = (t: { url: string }, sub: string) =>
  request(t.url)
    .post('/session')
    .send({ id_token: appIdToken({ sub }) });

describe('per client IP', () => {
  it('POST /session over the limit: 429 rate_limited with Retry-After and RateLimit headers, and no session', async () => {
    await withTestApp({ env: { RATE_LIMIT_LOGIN_PER_IP: '3' } }, async (t) => {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await loginRequest(t, `user-${i}`).expect(200));
      expect(answers[0]!.headers['ratelimit']).toMatch(/^"login"; r=2; t=\d+$/);
      expect(answers[2]!.headers['ratelimit']).toMatch(/^"login"; r=0; t=\d+$/);
      expect(answers[0]!.headers['ratelimit-policy']).toMatch(/^"login"; q=3; w=60; pk=:[^:]+:$/);
      expect(await keysOf(t, 'sess:*')).toHaveLength(3);

      const refused = await loginRequest(t, 'user-over');
      expectRateLimited(refused, 'login');
      expect(refused.body.user).toBeUndefined();
      expect(await keysOf(t, 'sess:*')).toHaveLength(3);
    });
  });

  it('counts per client IP as TRUST_PROXY lets Express see it', async () => {
    const env = { RATE_LIMIT_LOGIN_PER_IP: '1', TRUST_PROXY: 'loopback' };
    await withTestApp({ env }, async (t) => {
      const from = (ip: string) => loginRequest(t, 'u').set('X-Forwarded-For', ip);
      expect((await from('203.0.113.1')).status).toBe(200);
      expectRateLimited(await from('203.0.113.1'), 'login');
      expect((await from('203.0.113.2')).status).toBe(200);
    });
  });

  it('two instances on one Redis share one budget', async () => {
    const env = { RATE_LIMIT_LOGIN_PER_IP: '4' };
    await withTestApp({ env }, async (first) => {
      const second = await startTestApp({ env, keyPrefix: first.keyPrefix });
      try {
        const statuses = [];
        for (let i = 0; i < 6; i++) {
          statuses.push((await loginRequest(i % 2 === 0 ? first : second, `u${i}`)).status);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      } finally {
        await second.close();
      }
    });
  });

  it('0 turns a limit off', async () => {
    await withTestApp({ env: { RATE_LIMIT_LOGIN_PER_IP: '0' } }, async (t) => {
      for (let i = 0; i < 5; i++) {
        const res = await loginRequest(t, `u${i}`).expect(200);
        expect(res.headers['ratelimit']).toBeUndefined();
      }
    });
  });

  describe('the LikeCoin flow routes', () => {
    let s: LikeCoinSetup;
    beforeEach(async () => {
      s = await startWithLikeCoin({ RATE_LIMIT_OAUTH_PER_IP: '1' });
    });
    afterEach(() => s.close());

    const tokenCalls = () => s.provider.count('/oauth/access_token');

    it('GET and POST /likecoin/authorize share one budget; over it, no session and no state', async () => {
      await browserStarts(s.t);
      const states = await keysOf(s.t, 'likecoin:state:*');
      expectRateLimited(
        await request(s.t.url).get('/likecoin/authorize').redirects(0),
        'likecoin-authorize',
      );
      const { sessionToken } = await login(s.t);
      expectRateLimited(
        await request(s.t.url)
          .post('/likecoin/authorize')
          .set('Authorization', `Bearer ${sessionToken}`)
          .send({}),
        'likecoin-authorize',
      );
      expect(await keysOf(s.t, 'likecoin:state:*')).toEqual(states);
    });

    it('GET /likecoin/callback over the limit: 429 and no call to the token endpoint', async () => {
      const { cookie, authorizationUrl } = await browserStarts(s.t);
      const back = pathOf(await atProvider(authorizationUrl));
      await request(s.t.url).get(back).set('Cookie', cookie).expect(302);
      expect(tokenCalls()).toBe(1);
      expectRateLimited(
        await request(s.t.url).get(back).set('Cookie', cookie),
        'likecoin-callback',
      );
      expect(tokenCalls()).toBe(1);
    });

    it('POST /likecoin/complete over the limit: 429 and no call to the token endpoint', async () => {
      const { sessionToken } = await login(s.t);
      const bearer = `Bearer ${sessionToken}`;
      const started = await request(s.t.url)
        .post('/likecoin/authorize')
        .set('Authorization', bearer)
        .send({ return_to: 'myapp://auth' })
        .expect(200);
      const returned = await request(s.t.url)
        .get(pathOf(await atProvider(started.body.authorization_url)))
        .expect(302);
      const result = new URL(returned.headers.location!).searchParams.get('result');
      const complete = (as: string) =>
        request(s.t.url).post('/likecoin/complete').set('Authorization', as).send({ result });
      const done = await complete(bearer).expect(200);
      expect(tokenCalls()).toBe(1);
      // The app replays its result under its new session: 429, not even a look at the handle.
      expectRateLimited(await complete(`Bearer ${done.body.session_token}`), 'likecoin-complete');
      expect(tokenCalls()).toBe(1);
    });
  });
});

describe('per session user', () => {
  let s: LikeCoinSetup;
  let livelike: LiveLikeStandIn;
  beforeAll(async () => {
    livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
    s = await startWithLikeCoin({
      LIVELIKE_API_URL: livelike.apiUrl,
      RATE_LIMIT_LIVELIKE_TOKEN_PER_USER: '2',
      RATE_LIMIT_PROXY_PER_USER: '2',
    });
  });
  afterAll(async () => {
    await s.close();
    await livelike.close();
  });

  it('/livelike/token: each user has a budget of their own; calls without a user are not counted', async () => {
    const token = (bearer?: string) => {
      const req = request(s.t.url).get('/livelike/token');
      return bearer ? req.set('Authorization', `Bearer ${bearer}`) : req;
    };
    const a = await login(s.t, { sub: 'token-user-a' });
    const b = await login(s.t, { sub: 'token-user-b' });
    for (let i = 0; i < 5; i++) expect((await token()).body.code).toBe('not_authenticated');
    await token(a.sessionToken).expect(200);
    await token(a.sessionToken).expect(200);
    expectRateLimited(await token(a.sessionToken), 'livelike-token');
    await token(b.sessionToken).expect(200);
    expect(await keysOf(s.t, 'rl:livelike-token:*')).toHaveLength(2);
  });

  it("a request the guards refuse (CSRF) is not counted: a forged call spends nobody's budget", async () => {
    const { cookie } = await login(s.t, { sub: 'csrf-target' });
    const token = () => request(s.t.url).get('/livelike/token').set('Cookie', cookie);
    for (let i = 0; i < 5; i++) expect((await token()).body.code).toBe('csrf_rejected');
    await token().set('X-CSRF', '1').expect(200);
    await token().set('X-CSRF', '1').expect(200);
    expectRateLimited(await token().set('X-CSRF', '1'), 'livelike-token');
  });

  it('/livelike/api: over the limit, 429 and nothing reaches LiveLike', async () => {
    const { sessionToken } = await login(s.t, { sub: 'proxy-user' });
    const call = () =>
      request(s.t.url)
        .get(`/livelike/api/applications/${LIVELIKE_CLIENT_ID}/profile/`)
        .set('Authorization', `Bearer ${sessionToken}`);
    await call().expect(200);
    await call().expect(200);
    const sent = livelike.requests.length;
    expectRateLimited(await call(), 'livelike-api');
    expect(livelike.requests.length).toBe(sent);
  });

  it('/likecoin/api: over the limit, 429 and nothing reaches LikeCoin', async () => {
    const cookie = await connectedBrowser(s);
    const call = () =>
      request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1');
    await call().expect(200);
    await call().expect(200);
    const sent = s.provider.requests.length;
    expectRateLimited(await call(), 'likecoin-api');
    expect(s.provider.requests.length).toBe(sent);
  });

  it('/likecoin/api: forged calls (no X-CSRF) reach nobody and spend nothing, though the grant read starts first', async () => {
    // A Liker of its own: the test above spent the default Liker's budget.
    asLiker(s.provider, 'forged-call-target');
    const cookie = await connectedBrowser(s);
    const call = () => request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie);
    const sent = s.provider.requests.length;
    for (let i = 0; i < 5; i++) expect((await call()).body.code).toBe('csrf_rejected');
    expect(s.provider.requests.length).toBe(sent);
    await call().set('X-CSRF', '1').expect(200);
    await call().set('X-CSRF', '1').expect(200);
    expectRateLimited(await call().set('X-CSRF', '1'), 'likecoin-api');
    expect(s.provider.requests.length).toBe(sent + 2);
  });
});

it('a generous limit is claimed from the store a lease at a time, and still counted hit by hit', async () => {
  await withTestApp({}, async (t) => {
    const { sessionToken } = await login(t, { sub: 'leased-user' });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await request(t.url)
        .get('/livelike/token')
        .set('Authorization', `Bearer ${sessionToken}`)
        .expect(200);
      remaining.push(/; r=(\d+);/.exec(String(res.headers['ratelimit']))?.[1]);
    }
    expect(remaining).toEqual(['599', '598', '597']);
    // One claim of 16 hits (of the default 600 per minute), not one count per call.
    const [counter] = await keysOf(t, 'rl:livelike-token:*');
    expect(await t.kv.get(counter!.slice(t.keyPrefix.length))).toBe('16');
  });
});

it('a store outage makes a limited route answer 503 store_unavailable, never an unlimited pass', async () => {
  // This test needs a Redis it may stop, so it starts its own.
  const redis = await startRedisServer();
  const t = await startTestApp({
    redisUrl: redis.url,
    env: {
      LIKECOIN_CLIENT_ID: 'likecoin-client',
      LIKECOIN_CLIENT_SECRET: 'likecoin-client-secret',
      ALLOWED_RETURN_TO: 'https://app.example',
    },
  });
  try {
    await redis.stop();
    // Without a cookie the session chain needs no store: the limiter is the first to ask it.
    // A bad token would be a 401 if the limiter let the request through uncounted.
    const outage = [
      await request(t.url).post('/session').send({ id_token: 'not-a-jwt' }),
      await request(t.url).get('/likecoin/authorize').redirects(0),
    ];
    for (const res of outage) {
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('store_unavailable');
      expect(res.headers['retry-after']).toBe('2');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await redis.restart();
    await once(t.redis, 'ready');
    const back = await request(t.url).post('/session').send({ id_token: 'not-a-jwt' });
    expect(back.body.code).toBe('invalid_id_token');
  } finally {
    await t.close();
    await redis.dispose();
  }
});

describe('configuration', () => {
  it('has generous defaults, and a bad value stops start-up naming its variable', () => {
    expect(loadConfig(BASE_ENV).config.rateLimits).toEqual({
      loginPerIp: 60,
      oauthPerIp: 60,
      liveLikeTokenPerUser: 600,
      proxyPerUser: 1200,
      refreshPerGrant: 10,
    });
    for (const bad of ['-1', 'many', '1.5']) {
      expect(() => loadConfig({ ...BASE_ENV, RATE_LIMIT_PROXY_PER_USER: bad })).toThrow(
        expect.objectContaining({
          constructor: ConfigError,
          problems: [expect.stringMatching(/^RATE_LIMIT_PROXY_PER_USER: /)],
        }),
      );
    }
  });
});
