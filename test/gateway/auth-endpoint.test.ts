import request from 'supertest';
import {
  asLiker,
  connectedBrowser,
  connectedWithExpiredToken,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { startTestApp } from '../support/test-app';

// GET /auth/<name> on the internal listener, called as a gateway calls it (no gateway here:
// test/gateway/nginx-gateway.test.ts has the real nginx).
let s: LikeCoinSetup;
let cookie: string;
beforeAll(async () => {
  s = await startWithLikeCoin({ INTERNAL_PORT: '9464', LIKECOIN_API_PATHS: '/users' });
  asLiker(s.provider, 'gate-liker');
  cookie = await connectedBrowser(s);
});
afterAll(() => s.close());

const internal = () => request(s.t.internalUrl!);
const apiCalls = () => s.provider.requests.filter((r) => r.path.startsWith('/api')).length;
const original = (uri: string, method = 'GET') => ({
  'X-Original-Method': method,
  'X-Original-URI': uri,
});
const asked = (uri: string, method = 'GET') => ({
  ...original(uri, method),
  Cookie: cookie,
  'X-CSRF': '1',
});

describe('the internal listener', () => {
  it('serves /metrics and /auth/*; the public port answers 404 for both', async () => {
    await internal().get('/metrics').expect(200);
    for (const path of ['/metrics', '/auth/likecoin', '/auth/livelike']) {
      const res = await request(s.t.url).get(path).set(asked('/likecoin/api/users/profile'));
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 404,
        code: 'not_found',
      });
    }
  });

  it('is not there without INTERNAL_PORT: no /auth/*, /metrics on the public port', async () => {
    const t = await startTestApp();
    try {
      expect(t.internalUrl).toBeUndefined();
      await request(t.url).get('/metrics').expect(200);
      await request(t.url).get('/auth/livelike').expect(404);
    } finally {
      await t.close();
    }
  });
});

describe('GET /auth/likecoin', () => {
  it("allows a call: 200, no body, the grant's Bearer in Authorization, and nothing upstream", async () => {
    const before = apiCalls();
    const res = await internal().get('/auth/likecoin').set(asked('/likecoin/api/users/profile'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(res.headers['cache-control']).toBe('no-store');
    // Read by the gateway only, which adds the browser headers to what it answers itself.
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(apiCalls()).toBe(before);
    // The one answer that carries a provider token, and it stays out of the log.
    const token = res.headers.authorization!.slice('Bearer '.length);
    expect(JSON.stringify(s.t.logs.entries())).not.toContain(token);
  });

  it("reads Traefik's X-Forwarded-Method and X-Forwarded-Uri too", async () => {
    const res = await internal()
      .get('/auth/likecoin')
      .set({ 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/likecoin/api/users/profile' })
      .set({ Cookie: cookie, 'X-CSRF': '1' });
    expect(res.status).toBe(200);
    expect(res.headers.authorization).toMatch(/^Bearer /);
  });

  it('refreshes a token about to lapse first, as the in-process proxy does', async () => {
    asLiker(s.provider, 'lapsing-liker');
    const expired = await connectedWithExpiredToken(s);
    const before = s.provider.count('/oauth/access_token');
    const res = await internal()
      .get('/auth/likecoin')
      .set({ ...asked('/likecoin/api/users/profile'), Cookie: expired });
    expect(res.status).toBe(200);
    expect(s.provider.count('/oauth/access_token') - before).toBe(1);
  });

  it.each([
    ['no original request', {}, 400, 'invalid_request'],
    [
      'a second spelling that disagrees',
      { ...original('/likecoin/api/users'), 'X-Forwarded-Uri': '/likecoin/api/like/info' },
      400,
      'invalid_request',
    ],
    ['a preflight', original('/likecoin/api/users/profile', 'OPTIONS'), 400, 'invalid_request'],
    [
      'a method that is no method',
      original('/likecoin/api/users', 'G E T'),
      400,
      'invalid_request',
    ],
    ['another prefix', original('/livelike/api/users'), 400, 'invalid_path'],
    ['a prefix lookalike', original('/likecoin/apix/users'), 400, 'invalid_path'],
    ['an escape', original('/likecoin/api/users/%2e%2e/admin'), 400, 'invalid_path'],
    ['a malformed encoding', original('/likecoin/api/users/%zz'), 400, 'invalid_path'],
    ['a path not allowed', original('/likecoin/api/like/info'), 403, 'path_not_allowed'],
    ['no CSRF header', { ...original('/likecoin/api/users'), 'X-CSRF': '' }, 403, 'csrf_rejected'],
    [
      'a foreign origin',
      { ...original('/likecoin/api/users', 'POST'), Origin: 'https://evil.example' },
      403,
      'csrf_rejected',
    ],
  ])(
    'refuses %s, with the code in X-Auth-Error and the answer in X-Auth-Problem',
    async (_name, headers: Record<string, string>, status, code) => {
      const res = await internal()
        .get('/auth/likecoin')
        .set({ Cookie: cookie, 'X-CSRF': '1', ...headers });
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-auth-error']).toBe(code);
      expect(JSON.parse(res.headers['x-auth-problem']!)).toEqual(res.body);
      expect(res.headers.authorization).toBeUndefined();
    },
  );

  it('refuses a session without a grant: 401 likecoin_not_connected', async () => {
    const { sessionToken } = await login(s.t, { sub: 'unlinked' });
    const res = await internal()
      .get('/auth/likecoin')
      .set({ 'X-Original-Method': 'GET', 'X-Original-URI': '/likecoin/api/users' })
      .set('Authorization', `Bearer ${sessionToken}`);
    expect(res.status).toBe(401);
    expect(res.headers['x-auth-error']).toBe('likecoin_not_connected');
  });
});

it('answers 503 <name>_not_configured for a provider without credentials', async () => {
  const t = await startTestApp({
    env: {
      INTERNAL_PORT: '9464',
      LIVELIKE_CLIENT_ID: undefined,
      LIVELIKE_CLIENT_SECRET: undefined,
    },
  });
  try {
    const res = await request(t.internalUrl!)
      .get('/auth/livelike')
      .set({ 'X-Original-Method': 'GET', 'X-Original-URI': '/livelike/api/x' });
    expect(res.status).toBe(503);
    expect(res.headers['x-auth-error']).toBe('livelike_not_configured');
  } finally {
    await t.close();
  }
});
