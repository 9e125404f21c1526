import { createServer } from 'node:net';
import request from 'supertest';
import { startOidcStandIn, type OidcStandIn } from '../support/oidc-stand-in';
import { CLIENT_ID, cookieOf, idTokenClaims, oidcEnv, startLogin } from '../support/oidc-login';
import { startTestApp, storedState, type TestApp } from '../support/test-app';

let standIn: OidcStandIn;
let t: TestApp;

beforeAll(async () => {
  standIn = await startOidcStandIn();
  t = await startTestApp({ env: oidcEnv(standIn.issuer) });
});
afterAll(async () => {
  await t.close();
  await standIn.close();
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function callback(login: { cookie: string; state: string }) {
  return request(t.url)
    .get('/login/callback')
    .query({ code: 'c', state: login.state })
    .set('Cookie', login.cookie);
}

it('answers 503 provider_unavailable when the provider cannot be discovered, and keeps no flow', async () => {
  const down = await startTestApp({ env: oidcEnv(`http://127.0.0.1:${await closedPort()}`) });
  try {
    const res = await request(down.url).get('/login');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('provider_unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect((await storedState(down)).filter((k) => k.includes('oidc:'))).toEqual([]);
  } finally {
    await down.close();
  }
});

it('answers 502 provider_error when the token endpoint refuses the code, and signs nobody in', async () => {
  const login = await startLogin(t.url);
  standIn.nextIdToken = undefined; // the stand-in answers 400 invalid_grant
  const res = await callback(login);
  expect(res.status).toBe(502);
  expect(res.body.code).toBe('provider_error');
  expect(res.body.detail).toContain('invalid_grant');
});

it('refuses an ID token whose user claim is no user id (422 invalid_user_id)', async () => {
  const login = await startLogin(t.url);
  standIn.nextIdToken = await standIn.sign(
    idTokenClaims(standIn, login.nonce, { sub: 'x'.repeat(256) }),
  );
  const res = await callback(login);
  expect(res.status).toBe(422);
  expect(res.body.code).toBe('invalid_user_id');
});

it('signs in with an ID token without sid', async () => {
  const login = await startLogin(t.url);
  standIn.nextIdToken = await standIn.sign(idTokenClaims(standIn, login.nonce, { sid: undefined }));
  const res = await callback(login);
  expect(res.status).toBe(302);
  const me = await request(t.url).get('/session').set('Cookie', cookieOf(res));
  expect(me.body.user).toEqual({ id: 'alice', source: 'oidc' });
});

it('sends a browser without a session to the end-session endpoint with client_id only', async () => {
  const res = await request(t.url).get('/logout').expect(302);
  const location = new URL(res.headers.location!);
  expect(location.origin + location.pathname).toBe(`${standIn.issuer}/session/end`);
  expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
  expect(location.searchParams.get('id_token_hint')).toBeNull();
  expect(location.searchParams.get('post_logout_redirect_uri')).toBe(t.config.publicBaseUrl.href);
});

it('has no /login, /login/callback or /logout without APP_OIDC_*', async () => {
  const off = await startTestApp();
  try {
    for (const path of ['/login', '/login/callback', '/logout']) {
      expect((await request(off.url).get(path)).status).toBe(404);
    }
  } finally {
    await off.close();
  }
});

it('limits /login and its callback per client IP, each on its own budget', async () => {
  const limited = await startTestApp({
    env: { ...oidcEnv(standIn.issuer), RATE_LIMIT_OAUTH_PER_IP: '1' },
  });
  try {
    const login = await startLogin(limited.url);
    const again = await request(limited.url).get('/login');
    expect(again.status).toBe(429);
    expect(again.body.code).toBe('rate_limited');
    standIn.nextIdToken = await standIn.sign(idTokenClaims(standIn, login.nonce));
    const back = await request(limited.url)
      .get('/login/callback')
      .query({ code: 'c', state: login.state })
      .set('Cookie', login.cookie);
    expect(back.status).toBe(302);
  } finally {
    await limited.close();
  }
});
