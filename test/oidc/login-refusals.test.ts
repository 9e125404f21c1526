import request from 'supertest';
import { startOidcStandIn, type OidcStandIn } from '../support/oidc-stand-in';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  cookieOf,
  idTokenClaims,
  oidcEnv,
  startLogin,
} from '../support/oidc-login';
import { startTestApp, type TestApp } from '../support/test-app';

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
beforeEach(() => {
  standIn.tokenRequests.length = 0;
  standIn.nextIdToken = undefined;
});

/** Completes a login whose ID token carries `claims` (signed with the provider's key). */
async function callbackWith(claims: Record<string, unknown>, options = {}) {
  const login = await startLogin(t.url);
  const idToken = await standIn.sign(
    { ...idTokenClaims(standIn, login.nonce), ...claims },
    options,
  );
  standIn.nextIdToken = idToken;
  const res = await request(t.url)
    .get('/login/callback')
    .query({ code: 'the-code', state: login.state })
    .set('Cookie', login.cookie);
  return { login, res, idToken };
}

async function whoIs(cookie: string) {
  return (await request(t.url).get('/session').set('Cookie', cookie).expect(200)).body;
}

describe('GET /login', () => {
  it('sends the browser to the provider with PKCE S256, a state and a nonce of 256 bits each', async () => {
    const { location } = await startLogin(t.url);
    expect(location.origin + location.pathname).toBe(`${standIn.issuer}/auth`);
    const q = Object.fromEntries(location.searchParams);
    expect(q).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid profile',
      redirect_uri: `${t.config.publicBaseUrl.origin}/login/callback`,
      code_challenge_method: 'S256',
    });
    for (const secret of [q.state, q.nonce, q.code_challenge])
      expect(secret).toMatch(/^[\w-]{43}$/);
  });

  it('refuses a return_to outside ALLOWED_RETURN_TO, and starts nothing', async () => {
    const res = await request(t.url).get('/login').query({ return_to: 'https://evil.example/' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_return_to');
  });
});

describe('GET /login/callback', () => {
  it('signs the browser in with a new session id, as the ID token user, source oidc', async () => {
    const { login, res } = await callbackWith({});
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://app.example/done');
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = cookieOf(res);
    expect(cookie).not.toBe(login.cookie);
    expect(await whoIs(cookie)).toMatchObject({
      authenticated: true,
      user: { id: 'alice', source: 'oidc' },
    });
    expect(await whoIs(login.cookie)).toMatchObject({ authenticated: false });
    // A confidential client: its secret in Basic auth, the PKCE verifier, the registered URI.
    const [sent] = standIn.tokenRequests;
    // RFC 6749 §2.3.1: id and secret form-encoded, then Basic.
    const basic = Buffer.from(sent!.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(basic.split(':').map(decodeURIComponent)).toEqual([CLIENT_ID, CLIENT_SECRET]);
    expect(sent!.body.get('code')).toBe('the-code');
    expect(sent!.body.get('code_verifier')).toMatch(/^[\w-]{43}$/);
  });

  it('refuses a replayed state, without a second call to the token endpoint', async () => {
    const { login } = await callbackWith({});
    const again = await request(t.url)
      .get('/login/callback')
      .query({ code: 'the-code', state: login.state })
      .set('Cookie', login.cookie);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_state');
    expect(standIn.tokenRequests).toHaveLength(1);
  });

  it("refuses another browser's state", async () => {
    const login = await startLogin(t.url);
    const other = await startLogin(t.url);
    const res = await request(t.url)
      .get('/login/callback')
      .query({ code: 'the-code', state: login.state })
      .set('Cookie', other.cookie);
    expect(res.body.code).toBe('invalid_state');
    expect(standIn.tokenRequests).toHaveLength(0);
  });

  it.each([
    ['a wrong nonce', { nonce: 'not-the-one-we-sent' }],
    ['no nonce', { nonce: undefined }],
    ['another issuer', { iss: 'https://other-issuer.example' }],
    ['another audience', { aud: 'someone-else' }],
    [
      'an expiry in the past',
      { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 },
    ],
  ])(
    'refuses an ID token with %s: 401 invalid_id_token, nobody signed in',
    async (_what, claims) => {
      const { login, res } = await callbackWith(claims);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_id_token');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await whoIs(login.cookie)).toMatchObject({ authenticated: false });
    },
  );

  it('refuses an ID token signed by a key the provider does not publish', async () => {
    const { res } = await callbackWith({}, { key: standIn.foreignKey });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_id_token');
  });

  it('answers a browser with a page, not JSON', async () => {
    const login = await startLogin(t.url);
    const res = await request(t.url)
      .get('/login/callback')
      .query({ code: 'x', state: 'A'.repeat(43) })
      .set('Cookie', login.cookie)
      .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<code>invalid_state</code>');
  });

  it("turns the provider's error into error=access_denied at return_to", async () => {
    const login = await startLogin(t.url);
    const res = await request(t.url)
      .get('/login/callback')
      .query({ error: 'access_denied', error_description: '<script>', state: login.state })
      .set('Cookie', login.cookie)
      .expect(302);
    expect(res.headers.location).toBe('https://app.example/done?error=access_denied');
  });
});

describe('GET /logout', () => {
  it("ends the session, then sends the browser to the provider's end-session endpoint", async () => {
    const { res, idToken } = await callbackWith({});
    const cookie = cookieOf(res);
    const out = await request(t.url)
      .get('/logout')
      .query({ return_to: 'https://app.example/bye' })
      .set('Cookie', cookie)
      .expect(302);
    const location = new URL(out.headers.location!);
    expect(location.origin + location.pathname).toBe(`${standIn.issuer}/session/end`);
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example/bye');
    expect(location.searchParams.get('id_token_hint')).toBe(idToken);
    expect(await whoIs(cookie)).toMatchObject({ authenticated: false });
  });

  // What a browser sends on a link's navigation: where it started, and (by default) its origin.
  const linkFrom = (site: string, referer?: string) => ({
    'Sec-Fetch-Site': site,
    'Sec-Fetch-Mode': 'navigate',
    Accept: 'text/html',
    ...(referer === undefined ? {} : { Referer: referer }),
  });

  it.each([
    ['a foreign site', linkFrom('cross-site', 'https://evil.example/')],
    ['a sibling of the app not listed', linkFrom('same-site', 'https://blog.app.example/')],
    ['a page that sends no Referer', linkFrom('cross-site')],
  ])('refuses a sign-out started on %s: 403 page, the session lives on', async (_what, headers) => {
    const cookie = cookieOf((await callbackWith({})).res);
    const out = await request(t.url).get('/logout').set('Cookie', cookie).set(headers).expect(403);
    expect(out.headers['content-type']).toMatch(/^text\/html/);
    expect(out.text).toContain('Sign-out did not complete');
    expect(out.headers['set-cookie']).toBeUndefined();
    expect(await whoIs(cookie)).toMatchObject({ authenticated: true });
  });

  it('refuses a client that says it comes from a foreign page: 403 csrf_rejected', async () => {
    const cookie = cookieOf((await callbackWith({})).res);
    const out = await request(t.url)
      .get('/logout')
      .set('Cookie', cookie)
      .set('Referer', 'https://evil.example/')
      .expect(403);
    expect(out.body).toMatchObject({ code: 'csrf_rejected' });
    expect(await whoIs(cookie)).toMatchObject({ authenticated: true });
  });

  it.each([
    [
      'a page of the app (ALLOWED_RETURN_TO)',
      linkFrom('cross-site', 'https://app.example/account'),
    ],
    ["the service's own page", linkFrom('same-origin')],
    ['an address typed or bookmarked', linkFrom('none')],
  ])('signs out when it starts on %s', async (_what, headers) => {
    const cookie = cookieOf((await callbackWith({})).res);
    await request(t.url).get('/logout').set('Cookie', cookie).set(headers).expect(302);
    expect(await whoIs(cookie)).toMatchObject({ authenticated: false });
  });
});
