import { once } from 'node:events';
import request from 'supertest';
import {
  asLiker,
  connectedApp,
  connectedBrowser,
  connectedWithExpiredToken,
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { login } from '../support/login';
import { startGatewayNginx, type GatewayNginx } from '../support/nginx';
import { rawRequest } from '../support/raw-request';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import {
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  type TestApp,
} from '../support/test-app';

// The real thing in gateway mode: deploy/nginx's configuration in a real nginx, in front of the
// service (its internal listener answering nginx's auth_request) and the providers' stand-ins.
// Its own Redis, because the last test stops it.
const PER_USER_LIMIT = 20;
let redis: RedisServer;
let likecoin: LikeCoinStandIn;
let livelike: LiveLikeStandIn;
let t: TestApp;
let nginx: GatewayNginx;
beforeAll(async () => {
  redis = await startRedisServer();
  likecoin = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  t = await startTestApp({
    redisUrl: redis.url,
    env: {
      ...likeCoinEnv(likecoin),
      LIVELIKE_API_URL: livelike.apiUrl,
      LIKECOIN_API_PATHS: '/users,/echo,/set-cookie',
      RATE_LIMIT_PROXY_PER_USER: String(PER_USER_LIMIT),
      // Any port but PORT: the test app listens on a free one of its own (internalUrl).
      INTERNAL_PORT: '9464',
    },
  });
  nginx = await startGatewayNginx({
    publicUrl: t.url,
    internalUrl: t.internalUrl!,
    likeCoinApiUrl: likecoin.apiUrl,
    liveLikeApiUrl: livelike.apiUrl,
  });
});
afterAll(async () => {
  await nginx?.stop();
  await t?.close();
  await livelike?.close();
  await likecoin?.close();
  await redis?.dispose();
});

const apiCalls = () => likecoin.requests.filter((r) => r.path.startsWith('/api')).length;
const tokenCalls = () => likecoin.count('/oauth/access_token');
const browser = (cookie: string) => ({ Cookie: cookie, 'X-CSRF': '1' });

describe('through nginx, a browser session', () => {
  let cookie: string;
  beforeAll(async () => {
    asLiker(likecoin, 'web-liker');
    cookie = await connectedBrowser({ t });
  });

  it("reaches LikeCoin's API with the grant's Bearer, never with the caller's cookie", async () => {
    const res = await request(nginx.url)
      .post('/likecoin/api/echo/some/where?a=1&b=two')
      .set(browser(cookie))
      .set('Origin', 'https://app.example')
      .set('X-Forwarded-For', '6.6.6.6')
      .set('Accept-Language', 'fr')
      .set('X-Custom', 'dropped')
      .send({ hello: 'world' })
      .expect(200);
    expect(res.body).toMatchObject({
      method: 'POST',
      path: '/api/echo/some/where',
      query: 'a=1&b=two',
      bodyLength: 17,
      user: 'web-liker',
    });
    const seen = res.body.headers as Record<string, string>;
    expect(seen.authorization).toMatch(/^Bearer eyJ/);
    expect(seen.cookie).toBeUndefined();
    expect(seen['x-csrf']).toBeUndefined();
    expect(seen.origin).toBeUndefined();
    expect(seen['x-custom']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['accept-language']).toBe('fr');
    expect(seen.host).toBe(new URL(likecoin.url).host);
    // What token-bff says on the answer, as it would in process.
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.ratelimit).toMatch(/^"likecoin-api"; r=\d+/);
    // The browser headers are nginx's to add (the internal listener sends none), as helmet's are.
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it("keeps the upstream's cookie from the caller", async () => {
    const res = await request(nginx.url).get('/likecoin/api/set-cookie').set(browser(cookie));
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers a preflight from token-bff itself, for the configured origins only', async () => {
    const before = apiCalls();
    const allowed = await request(nginx.url)
      .options('/likecoin/api/users/profile')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'x-csrf');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const foreign = await request(nginx.url)
      .options('/likecoin/api/users/profile')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    expect(apiCalls()).toBe(before);
  });
});

describe('through nginx, an app with a bearer session', () => {
  it("reaches LikeCoin's API, and the upstream never sees the session token", async () => {
    asLiker(likecoin, 'app-liker');
    const token = await connectedApp({ t }, 'app-user');
    const res = await request(nginx.url)
      .get('/likecoin/api/echo/me')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.user).toBe('app-liker');
    expect(res.body.headers.authorization).not.toContain(token);
  });

  it("reaches LiveLike's API as the session's user", async () => {
    const { sessionToken } = await login(t, { sub: 'fan-1' });
    const res = await request(nginx.url)
      .get(`/livelike/api/applications/${LIVELIKE_CLIENT_ID}/profile/`)
      .set('Authorization', `Bearer ${sessionToken}`)
      .expect(200);
    expect(res.body).toMatchObject({ custom_profile_id: 'fan-1' });
    expect(livelike.requests.at(-1)!.headers.authorization).not.toContain(sessionToken);
  });
});

/** A refusal as the caller sees it: token-bff's status and problem+json, nothing upstream. */
async function expectRefused(
  res: { status: number; headers: Record<string, unknown>; body: unknown; text?: string },
  status: number,
  code: string,
) {
  expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({
    status,
    code,
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `urn:token-bff:problem:${code}`, status });
  expect(res.headers['x-auth-error']).toBe(code);
}

describe('through nginx, every refusal reaches the caller as token-bff gives it', () => {
  let cookie: string;
  beforeAll(async () => {
    asLiker(likecoin, 'refused-liker');
    cookie = await connectedBrowser({ t });
  });

  it.each([
    [
      'no session',
      () => request(nginx.url).get('/likecoin/api/users/profile'),
      401,
      'not_authenticated',
    ],
    [
      'no CSRF header',
      () => request(nginx.url).get('/likecoin/api/users/profile').set('Cookie', cookie),
      403,
      'csrf_rejected',
    ],
    [
      'a foreign origin',
      () =>
        request(nginx.url)
          .post('/likecoin/api/echo')
          .set(browser(cookie))
          .set('Origin', 'https://evil.example')
          .send({}),
      403,
      'csrf_rejected',
    ],
    [
      'a path not allowed',
      () => request(nginx.url).get('/likecoin/api/like/info').set(browser(cookie)),
      403,
      'path_not_allowed',
    ],
    [
      'a forged original request',
      () =>
        request(nginx.url)
          .get('/likecoin/api/like/info')
          .set(browser(cookie))
          .set('X-Original-URI', '/likecoin/api/users/profile')
          .set('X-Forwarded-Uri', '/likecoin/api/users/profile'),
      403,
      'path_not_allowed',
    ],
    [
      'a dead bearer',
      () =>
        request(nginx.url).get('/likecoin/api/users/profile').set('Authorization', 'Bearer nope'),
      401,
      'invalid_session_token',
    ],
  ])('%s', async (_name, send, status, code) => {
    const before = apiCalls();
    const res = await send();
    await expectRefused(res, status, code);
    expect(apiCalls()).toBe(before);
  });

  it.each([
    ['/likecoin/api/users/%2E%2E/%2E%2E/admin'],
    ['/likecoin/api/users%2F..%2F..%2Fadmin'],
    ['/likecoin/api/users/..%5Cadmin'],
    ['/likecoin/../likecoin/api/users/profile'],
  ])('a path that escapes: %s', async (path) => {
    const before = apiCalls();
    const res = await rawRequest(nginx.url, path, { headers: browser(cookie) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'invalid_path', status: 400 });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(apiCalls()).toBe(before);
  });

  it('a session without a LikeCoin grant', async () => {
    const { sessionToken } = await login(t, { sub: 'not-linked' });
    const res = await request(nginx.url)
      .get('/likecoin/api/users/profile')
      .set('Authorization', `Bearer ${sessionToken}`);
    await expectRefused(res, 401, 'likecoin_not_connected');
  });

  it('over the per-user limit: 429 with Retry-After, and nothing more reaches the upstream', async () => {
    const { sessionToken } = await login(t, { sub: 'busy-fan' });
    const call = () =>
      request(nginx.url)
        .get(`/livelike/api/applications/${LIVELIKE_CLIENT_ID}/profile/`)
        .set('Authorization', `Bearer ${sessionToken}`);
    for (let i = 0; i < PER_USER_LIMIT; i++) expect((await call()).status).toBe(200);
    const before = livelike.requests.length;
    const res = await call();
    await expectRefused(res, 429, 'rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(livelike.requests.length).toBe(before);
  });

  it('a grant the provider refuses to refresh: 401 likecoin_reauthorization_required', async () => {
    asLiker(likecoin, 'revoked-liker');
    const expired = await connectedWithExpiredToken({ t, provider: likecoin });
    likecoin.revokeRefreshTokens('revoked-liker');
    const before = apiCalls();
    const res = await request(nginx.url).get('/likecoin/api/users/profile').set(browser(expired));
    await expectRefused(res, 401, 'likecoin_reauthorization_required');
    expect(apiCalls()).toBe(before);
  });
});

describe('through nginx, refreshes', () => {
  it('a storm of calls on an expiring token makes exactly one refresh', async () => {
    asLiker(likecoin, 'storm-liker');
    const expired = await connectedWithExpiredToken({ t, provider: likecoin });
    const before = tokenCalls();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        request(nginx.url).get('/likecoin/api/users/profile').set(browser(expired)),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(tokenCalls() - before).toBe(1);
  });

  it('an upstream 401 on a token the service thought live: renewed once, and the call answered', async () => {
    asLiker(likecoin, 'stale-liker');
    const cookie = await connectedBrowser({ t });
    // The stand-in's clock runs two hours ahead: the stored token is dead there, not here.
    const realSeconds = () => Math.floor(Date.now() / 1000);
    likecoin.setClock(() => realSeconds() + 7200);
    try {
      const before = tokenCalls();
      const res = await request(nginx.url)
        .post('/likecoin/api/echo/again')
        .set(browser(cookie))
        .send({ kept: 'body' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ user: 'stale-liker', bodyLength: 15 });
      expect(tokenCalls() - before).toBe(1);
      // And the next call goes straight through with the renewed token.
      const apiBefore = apiCalls();
      await request(nginx.url).get('/likecoin/api/users/profile').set(browser(cookie)).expect(200);
      expect(apiCalls() - apiBefore).toBe(1);
    } finally {
      likecoin.setClock(realSeconds);
    }
  });
});

describe('through nginx, the store down', () => {
  it('answers 503 store_unavailable with Retry-After, and nothing reaches the upstream', async () => {
    const { sessionToken } = await login(t, { sub: 'patient-fan' });
    const before = livelike.requests.length;
    await redis.stop();
    const res = await request(nginx.url)
      .get(`/livelike/api/applications/${LIVELIKE_CLIENT_ID}/profile/`)
      .set('Authorization', `Bearer ${sessionToken}`);
    await expectRefused(res, 503, 'store_unavailable');
    expect(res.headers['retry-after']).toBe('2');
    expect(livelike.requests.length).toBe(before);
    await redis.restart();
    await once(t.redis, 'ready');
  });
});
