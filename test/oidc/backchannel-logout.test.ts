import request from 'supertest';
import { startOidcStandIn, type OidcStandIn } from '../support/oidc-stand-in';
import {
  bearerOf,
  cookieOf,
  idTokenClaims,
  logoutClaims,
  oidcEnv,
  startLogin,
} from '../support/oidc-login';
import { auditLines } from '../support/audit-lines';
import { login as appLogin } from '../support/login';
import { startTestApp, storedKeys, type TestApp } from '../support/test-app';

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

/** A browser signed in through the provider as `sub`, in provider session `sid`: its cookie. */
async function signIn(sub: string, sid: string): Promise<string> {
  const login = await startLogin(t.url);
  standIn.nextIdToken = await standIn.sign(idTokenClaims(standIn, login.nonce, { sub, sid }));
  const res = await request(t.url)
    .get('/login/callback')
    .query({ code: 'c', state: login.state })
    .set('Cookie', login.cookie)
    .expect(302);
  return cookieOf(res);
}

const signedIn = async (cookie: string) =>
  (await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated === true;

function backchannel(logoutToken: string) {
  return request(t.url)
    .post('/backchannel-logout')
    .type('form')
    .send({ logout_token: logoutToken });
}

describe('POST /backchannel-logout', () => {
  it("with a sid: ends that provider session's sign-ins, cookie and bearer alike, and no other", async () => {
    const first = await signIn('bob', 'sid-b1');
    const second = await signIn('bob', 'sid-b1');
    const elsewhere = await signIn('bob', 'sid-b2');
    const res = await backchannel(await standIn.sign(logoutClaims(standIn, { sid: 'sid-b1' })));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await signedIn(first)).toBe(false);
    expect(await signedIn(second)).toBe(false);
    const bearer = await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${bearerOf(first)}`);
    expect(bearer.status).toBe(401);
    expect(bearer.body.code).toBe('invalid_session_token');
    expect(await signedIn(elsewhere)).toBe(true);
  });

  it("with only a sub: ends every session whose sign-in had that sub, and not the app's own logins", async () => {
    const a = await signIn('carol', 'sid-c1');
    const b = await signIn('carol', 'sid-c2');
    const viaPostSession = await appLogin(t, { sub: 'carol' });
    const other = await signIn('dave', 'sid-d1');
    expect(await storedKeys(t, 'oidc:sub:{carol}*')).toHaveLength(1);
    const token = await standIn.sign(logoutClaims(standIn, { sub: 'carol' }));
    await backchannel(token).expect(200);
    // The audit trail: one backchannel.logout line for the user, a session.ended line per session.
    expect(auditLines(t.logs, 'backchannel.logout').filter((l) => l.user_id === 'carol')).toEqual([
      expect.objectContaining({ provider: 'oidc', reason: 'backchannel', sessions: 2 }),
    ]);
    const ended = auditLines(t.logs, 'session.ended').filter((l) => l.user_id === 'carol');
    expect(ended.map((l) => l.reason)).toEqual(['backchannel', 'backchannel']);
    expect(t.logs.text).not.toContain(token);
    expect(await signedIn(a)).toBe(false);
    expect(await signedIn(b)).toBe(false);
    expect(await signedIn(viaPostSession.cookie)).toBe(true);
    expect(await signedIn(other)).toBe(true);
    // What was kept to find those sessions is gone with them.
    expect(await storedKeys(t, 'oidc:sub:{carol}*')).toEqual([]);
  });

  it('refuses a replayed jti, and nothing more ends', async () => {
    const token = await standIn.sign(logoutClaims(standIn, { sub: 'erin' }));
    await backchannel(token).expect(200);
    const later = await signIn('erin', 'sid-e1');
    const replay = await backchannel(token);
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('invalid_logout_token');
    expect(await signedIn(later)).toBe(true);
  });

  it('answers an unknown sid with 200 and ends nobody', async () => {
    const cookie = await signIn('frank', 'sid-f1');
    await backchannel(await standIn.sign(logoutClaims(standIn, { sid: 'sid-nobody-has' }))).expect(
      200,
    );
    expect(await signedIn(cookie)).toBe(true);
  });

  it.each([
    ['a nonce (an ID token is not a logout token)', { sub: 'gina', nonce: 'n' }],
    ['no logout event', { sub: 'gina', events: { 'urn:other': {} } }],
    ['no events at all', { sub: 'gina', events: undefined }],
    ['neither sub nor sid', {}],
    ['no jti', { sub: 'gina', jti: undefined }],
    ['another issuer', { sub: 'gina', iss: 'https://other.example' }],
    ['another audience', { sub: 'gina', aud: 'other-client' }],
    ['an iat in the future', { sub: 'gina', iat: Math.floor(Date.now() / 1000) + 3600 }],
    [
      'an expiry in the past',
      {
        sub: 'gina',
        iat: Math.floor(Date.now() / 1000) - 300,
        exp: Math.floor(Date.now() / 1000) - 200,
      },
    ],
  ])(
    'refuses a logout token with %s: 400 invalid_logout_token, nobody signed out',
    async (_what, claims) => {
      const cookie = await signIn('gina', 'sid-g1');
      const res = await backchannel(await standIn.sign(logoutClaims(standIn, claims)));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body.code).toBe('invalid_logout_token');
      expect(await signedIn(cookie)).toBe(true);
    },
  );

  it("refuses a logout token signed by a key the provider doesn't publish", async () => {
    const cookie = await signIn('hana', 'sid-h1');
    const forged = await standIn.sign(logoutClaims(standIn, { sub: 'hana' }), {
      key: standIn.foreignKey,
    });
    expect((await backchannel(forged)).body.code).toBe('invalid_logout_token');
    expect(await signedIn(cookie)).toBe(true);
  });

  it('takes only a form body of bounded size, and needs neither cookie nor X-CSRF', async () => {
    const json = await request(t.url).post('/backchannel-logout').send({ logout_token: 'x' });
    expect(json.status).toBe(415);
    const huge = await backchannel('x'.repeat(20_000));
    expect(huge.status).toBe(413);
    const missing = await request(t.url)
      .post('/backchannel-logout')
      .type('form')
      .send({ other: '1' });
    expect(missing.body.code).toBe('invalid_logout_token');
  });
});

describe('without APP_BACKCHANNEL_LOGOUT', () => {
  it('has no back-channel logout endpoint', async () => {
    const off = await startTestApp({
      env: { ...oidcEnv(standIn.issuer), APP_BACKCHANNEL_LOGOUT: 'false' },
    });
    try {
      const res = await request(off.url)
        .post('/backchannel-logout')
        .type('form')
        .send({ logout_token: 'x' });
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
