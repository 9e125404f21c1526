import request from 'supertest';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import {
  asLiker,
  connectedBrowser,
  connectedWithExpiredToken,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { behaviourOf, LIKECOIN_ERRORS, LIKECOIN_MODES } from '../support/likecoin-stand-in';
import { rawRequest } from '../support/raw-request';
import { freePort } from '../support/redis-server';

let s: LikeCoinSetup;
let cookie: string;
beforeAll(async () => {
  s = await startWithLikeCoin({ UPSTREAM_TIMEOUT_MS: '1000', PROXY_BODY_LIMIT_BYTES: '100000' });
  cookie = await connectedBrowser(s);
});
afterAll(() => s.close());
afterEach(() => {
  s.provider.behaviour.api = 'ok';
});

const apiCalls = () => s.provider.requests.filter((r) => r.path.startsWith('/api')).length;
const headers = () => ({ Cookie: cookie, 'X-CSRF': '1' });

describe('GET /likecoin/api/*', () => {
  it("answers with the upstream API, called with the session's LikeCoin token", async () => {
    const res = await request(s.t.url)
      .get('/likecoin/api/users/profile')
      .set(headers())
      .expect(200);
    expect(res.body).toMatchObject({ user: 'alice-liker', displayName: 'Alice' });
    await expectDocumented(res, 'GET', '/likecoin/api/{path}');
  });

  it("passes method, path, query and body, and nothing of the caller's credentials", async () => {
    const res = await request(s.t.url)
      .post('/likecoin/api/echo/some/where?a=1&b=two')
      .set(headers())
      .set('X-Forwarded-For', '6.6.6.6')
      .set('Forwarded', 'for=6.6.6.6')
      .set('Accept-Language', 'fr')
      .set('X-Custom', 'dropped')
      .send({ hello: 'world' })
      .expect(200);
    expect(res.body).toMatchObject({
      method: 'POST',
      path: '/api/echo/some/where',
      query: 'a=1&b=two',
      bodyLength: 17,
    });
    const seen = res.body.headers as Record<string, string>;
    expect(seen.authorization).toMatch(/^Bearer eyJ/);
    expect(seen.authorization).not.toContain(cookie.split('=')[1]!.slice(4, 20));
    expect(seen.cookie).toBeUndefined();
    expect(seen['x-csrf']).toBeUndefined();
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-forwarded-for']).toMatch(/127\.0\.0\.1$/);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['accept-language']).toBe('fr');
    expect(seen['x-custom']).toBeUndefined();
    expect(seen.host).toBe(new URL(s.provider.url).host);
  });

  it('never passes a bearer session token upstream either', async () => {
    const app = await login(s.t, { sub: 'not-linked' });
    const res = await request(s.t.url)
      .get('/likecoin/api/users/profile')
      .set('Authorization', `Bearer ${app.sessionToken}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('likecoin_not_connected');
  });

  it("drops the upstream's Set-Cookie", async () => {
    const res = await request(s.t.url).get('/likecoin/api/set-cookie').set(headers()).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toBe('ok');
  });

  it('returns an upstream redirect as it is, without following it', async () => {
    const res = await request(s.t.url).get('/likecoin/api/redirect').set(headers()).redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://evil.example/x');
  });

  it('answers 401 not_authenticated without a session, and 403 without X-CSRF', async () => {
    expect((await request(s.t.url).get('/likecoin/api/users/profile')).body.code).toBe(
      'not_authenticated',
    );
    const res = await request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('csrf_rejected');
    await expectDocumented(res, 'GET', '/likecoin/api/{path}');
  });
});

describe('the grant read that starts with the session read (for sessions this instance has seen)', () => {
  const profile = (c: string) =>
    request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', c).set('X-CSRF', '1');

  it('after a disconnect, the same session is not connected: no call goes upstream', async () => {
    const own = await connectedBrowser(s);
    await profile(own).expect(200);
    await profile(own).expect(200);
    await request(s.t.url)
      .delete('/likecoin/connection')
      .set('Cookie', own)
      .set('X-CSRF', '1')
      .expect(204);
    const before = apiCalls();
    const res = await profile(own);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('likecoin_not_connected');
    expect(apiCalls()).toBe(before);
  });

  it('after a logout, the session is gone: 401 and no call upstream', async () => {
    const own = await connectedBrowser(s);
    await profile(own).expect(200);
    await request(s.t.url).delete('/session').set('Cookie', own).set('X-CSRF', '1').expect(204);
    const before = apiCalls();
    expect((await profile(own)).status).toBe(401);
    expect(apiCalls()).toBe(before);
  });

  it('a cookie naming a session seen here, with a forged signature, gets 401 and reaches nobody', async () => {
    const own = await connectedBrowser(s);
    await profile(own).expect(200);
    const [name, value] = own.split('=') as [string, string];
    const forged = `${name}=${value.slice(0, -4)}AAAA`;
    const before = apiCalls();
    const res = await profile(forged);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_session_cookie');
    expect(apiCalls()).toBe(before);
  });
});

describe('paths that would leave the upstream base', () => {
  it.each([
    '/likecoin/api/../x',
    '/likecoin/api/users/../../x',
    '/likecoin/api/%2e%2e%2fx',
    '/likecoin/api/%2E%2E/x',
    '/likecoin/api/users%2F..%2F..%2Fx',
    '/likecoin/api/a%2F%2Fevil.example',
    '/likecoin/api/..%5cx',
    '/likecoin/api//evil.example/x',
    '/likecoin/api/a%00b',
    '/likecoin/api/users;x=1/profile',
    '/likecoin/api/users%3bx',
    '/likecoin/api/%252e%252e/x',
    '/likecoin/api/a%252fb',
    'http://evil.example/likecoin/api/users/profile',
  ])('%s ⇒ 400 and no upstream call', async (path) => {
    const before = apiCalls();
    const res = await rawRequest(s.t.url, path, { headers: headers() });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body).code).toBe('invalid_path');
    expect(apiCalls()).toBe(before);
  });
});

describe('limits and failures', () => {
  it('refuses a declared body over the limit with 413 before calling upstream', async () => {
    const before = apiCalls();
    const res = await request(s.t.url)
      .post('/likecoin/api/echo')
      .set(headers())
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(150_000));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    await expectDocumented(res, 'POST', '/likecoin/api/{path}');
    expect(apiCalls()).toBe(before);
  });

  it('stops a chunked body once it passes the limit', async () => {
    const res = await rawRequest(s.t.url, '/likecoin/api/echo', {
      method: 'POST',
      headers: {
        ...headers(),
        'Transfer-Encoding': 'chunked',
        'Content-Type': 'application/octet-stream',
      },
      body: Buffer.alloc(150_000),
    }).catch((err: NodeJS.ErrnoException) => ({ status: 0, body: err.code ?? '' }));
    // Either a 413 answer or a cut connection: never a forwarded oversized body.
    if (res.status !== 0) {
      expect(res.status).toBe(413);
    }
    const echoed = s.provider.requests.filter(
      (r) => r.path === '/api/echo' && r.bodyBytes > 100_000,
    );
    expect(echoed).toEqual([]);
  });

  it('answers 504 upstream_timeout when the API does not answer in time', async () => {
    s.provider.behaviour.api = 'hang';
    const res = await request(s.t.url).get('/likecoin/api/users/profile').set(headers());
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('upstream_timeout');
    await expectDocumented(res, 'GET', '/likecoin/api/{path}');
  });

  it('passes an upstream 500 through as it is', async () => {
    s.provider.behaviour.api = 'server_error';
    const res = await request(s.t.url).get('/likecoin/api/users/profile').set(headers());
    expect(res.status).toBe(500);
    await expectDocumented(res, 'GET', '/likecoin/api/{path}');
  });

  it('answers 502 upstream_unavailable when the API cannot be reached', async () => {
    const closed = await freePort();
    const other = await startWithLikeCoin({ LIKECOIN_API_URL: `http://127.0.0.1:${closed}` });
    try {
      const linked = await connectedBrowser(other);
      const res = await request(other.t.url)
        .get('/likecoin/api/users/profile')
        .set({ Cookie: linked, 'X-CSRF': '1' });
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('upstream_unavailable');
      await expectDocumented(res, 'GET', '/likecoin/api/{path}');
    } finally {
      await other.close();
    }
  });
});

// LikeCoin's API as each stand-in mode answers it (observed: refusals as text/html).
describe.each(LIKECOIN_MODES)('the API of LikeCoin (%s)', (mode) => {
  let m: LikeCoinSetup;
  beforeAll(async () => {
    m = await startWithLikeCoin({ UPSTREAM_TIMEOUT_MS: '1000' }, { mode });
  });
  afterAll(() => m.close());
  afterEach(() => {
    m.provider.behaviour = behaviourOf(mode);
    m.provider.setClock(() => Math.floor(Date.now() / 1000));
  });

  const errorType = mode === 'observed' ? /^text\/html/ : /^text\/plain/;
  const tokenCalls = () => m.provider.count('/oauth/access_token');
  const call = (cookie: string, path: string) =>
    request(m.t.url).get(`/likecoin/api${path}`).set('Cookie', cookie).set('X-CSRF', '1');

  it('a 403 INSUFFICIENT_PERMISSION reaches the caller as it is: no refresh, the grant kept', async () => {
    asLiker(m.provider, `unprivileged-${mode}`);
    const cookie = await connectedBrowser(m);
    const before = tokenCalls();
    const res = await call(cookie, '/like/info');
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(errorType);
    expect(res.text).toBe(LIKECOIN_ERRORS.insufficientPermission);
    expect(tokenCalls()).toBe(before);
    const view = await request(m.t.url).get('/session').set('Cookie', cookie);
    expect(view.body.likecoin).toMatchObject({ connected: true, user: `unprivileged-${mode}` });
    expect((await call(cookie, '/users/profile')).status).toBe(200);
  });

  it('a 401 TOKEN_EXPIRED (whatever its body type) refreshes once and replays the call', async () => {
    asLiker(m.provider, `early-expiry-${mode}`);
    const cookie = await connectedBrowser(m);
    // LikeCoin's clock runs ahead: our token looks fresh to us, expired to its API.
    m.provider.setClock(() => Math.floor(Date.now() / 1000) + 7200);
    const [tokensBefore, apiBefore] = [tokenCalls(), m.provider.count('/api/users/profile')];
    const res = await call(cookie, '/users/profile');
    expect(res.status).toBe(200);
    expect(res.body.user).toBe(`early-expiry-${mode}`);
    expect(tokenCalls() - tokensBefore).toBe(1);
    expect(m.provider.count('/api/users/profile') - apiBefore).toBe(2);
  });

  it('a 401 that a fresh token meets again reaches the caller as LikeCoin sent it', async () => {
    const cookie = await connectedBrowser(m);
    const res = await call(cookie, '/rejects-token');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(errorType);
    expect(res.text).toBe(LIKECOIN_ERRORS.tokenExpired);
  });

  it('an hour after connecting, the refresh keeps the Liker, their profile and a working grant', async () => {
    const liker = `hourly-${mode}`;
    asLiker(m.provider, liker);
    const cookie = await connectedWithExpiredToken(m);
    const refreshToken = m.provider.liveRefreshToken(liker);
    const res = await call(cookie, '/users/profile');
    expect([res.status, res.body.user]).toEqual([200, liker]);
    const view = await request(m.t.url).get('/session').set('Cookie', cookie);
    expect(view.body.likecoin).toMatchObject({ connected: true, user: liker, displayName: liker });
    // The observed LikeCoin keeps the refresh token; the documented one rotates it.
    if (mode === 'observed') expect(m.provider.liveRefreshToken(liker)).toBe(refreshToken);
    else expect(m.provider.liveRefreshToken(liker)).not.toBe(refreshToken);
  });
});
