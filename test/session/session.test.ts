import request from 'supertest';
import { SessionStore } from '../../src/session/express-session-adapter';
import { appIdToken } from '../support/app-tokens';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import { startTestApp, withTestApp, type TestApp, storedKeys } from '../support/test-app';

let clock = Date.now();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { SESSION_TTL_SECONDS: '3600', SESSION_MAX_AGE_SECONDS: '7200' },
    now: () => clock,
  });
});
afterAll(() => t.close());
beforeEach(() => {
  clock = Date.now();
});

const sessionKeys = async () => (await storedKeys(t, 'sess:*')).length;

describe('POST /session', () => {
  it('starts a session: user, bearer token, expiry and an HttpOnly SameSite=Lax cookie', async () => {
    const res = await request(t.url)
      .post('/session')
      .send({ id_token: appIdToken({ sub: 'alice' }) });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: 'alice' });
    expect(typeof res.body.session_token).toBe('string');
    expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now() + 3500_000);
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^token-bff=s%3A/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    await expectDocumented(res, 'POST', '/session');
  });

  it('turns a numeric user claim into a string id', async () => {
    const { body } = await login(t, { sub: 42 });
    expect(body.user).toEqual({ id: '42' });
  });

  it('issues a new session id on every login, and the old one stops working', async () => {
    const first = await login(t, { sub: 'bob' });
    const res = await request(t.url)
      .post('/session')
      .set('Cookie', first.cookie)
      .set('X-CSRF', '1')
      .send({ id_token: appIdToken({ sub: 'bob' }) })
      .expect(200);
    expect(res.body.session_token).not.toBe(first.sessionToken);
    await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${first.sessionToken}`)
      .expect(401);
    const now = await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${res.body.session_token}`);
    expect(now.body.user).toEqual({ id: 'bob', source: 'app' });
  });

  it('lets a client with a dead bearer token log in again', async () => {
    const res = await request(t.url)
      .post('/session')
      .set('Authorization', 'Bearer not-a-session')
      .send({ id_token: appIdToken({ sub: 'carol' }) });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: 'carol' });
  });
});

describe('GET /session', () => {
  it('says who is signed in, by cookie or by bearer token', async () => {
    const { cookie, sessionToken } = await login(t, { sub: 'dave' });
    const expected = {
      authenticated: true,
      user: { id: 'dave', source: 'app' },
      likecoin: { connected: false, user: null, displayName: null, avatar: null, scopes: [] },
    };
    expect((await request(t.url).get('/session').set('Cookie', cookie)).body).toEqual(expected);
    expect(
      (await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`)).body,
    ).toEqual(expected);
  });

  it('answers unauthenticated, and stores nothing, for a caller without a session', async () => {
    const before = await sessionKeys();
    const res = await request(t.url).get('/session').expect(200);
    await expectDocumented(res, 'GET', '/session');
    expect(res.body).toMatchObject({ authenticated: false, user: null });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await sessionKeys()).toBe(before);
  });

  it('uses the bearer token and ignores any cookie sent with it', async () => {
    const erin = await login(t, { sub: 'erin' });
    const frank = await login(t, { sub: 'frank' });
    const res = await request(t.url)
      .get('/session')
      .set('Cookie', erin.cookie)
      .set('Authorization', `Bearer ${frank.sessionToken}`);
    expect(res.body.user.id).toBe('frank');
  });

  it('never sends a cookie back to a bearer client', async () => {
    const { sessionToken } = await login(t);
    clock += 3600_000 / 5; // past the point where the idle lifetime is extended
    const res = await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${sessionToken}`)
      .expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('DELETE /session', () => {
  it('ends the session for every carrier at once, and clears the cookie', async () => {
    const { cookie, sessionToken } = await login(t, { sub: 'gina' });
    const res = await request(t.url).delete('/session').set('Cookie', cookie).set('X-CSRF', '1');
    expect(res.status).toBe(204);
    await expectDocumented(res, 'DELETE', '/session');
    expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
      /^token-bff=;.*Expires=Thu, 01 Jan 1970/,
    );
    expect((await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated).toBe(
      false,
    );
    const bearer = await request(t.url)
      .get('/session')
      .set('Authorization', `Bearer ${sessionToken}`);
    expect(bearer.status).toBe(401);
    expect(bearer.body.code).toBe('invalid_session_token');
    await expectDocumented(bearer, 'GET', '/session');
  });

  it('cannot be undone by a request that loaded the session before the logout', async () => {
    const { sessionToken } = await login(t, { sub: 'hank' });
    const sid = sessionToken.split('.')[0]!;
    // What a request in flight does: it loaded the session before the logout...
    const store = new SessionStore(t.kv, t.config.session.ttlSeconds);
    const loaded = await store.get(sid);
    expect(loaded).toMatchObject({ user: { id: 'hank' } });
    await request(t.url)
      .delete('/session')
      .set('Authorization', `Bearer ${sessionToken}`)
      .expect(204);
    // ...and saves it when it finishes (an idle extension, say).
    await store.set(sid, { ...loaded, touchedAt: Date.now() });
    const res = await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_session_token');
  });

  it('answers 204 for a caller with no session', async () => {
    await request(t.url).delete('/session').expect(204);
  });
});

describe('lifetimes', () => {
  it('ends a session after its absolute lifetime, however active it was', async () => {
    const { cookie, sessionToken } = await login(t, { sub: 'ivy' });
    clock += 7200_000 - 1000;
    expect((await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated).toBe(
      true,
    );
    clock += 2000;
    expect((await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated).toBe(
      false,
    );
    await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`).expect(401);
  });

  it('extends the idle lifetime a few times per lifetime, not on every request', async () => {
    const { cookie, sessionToken } = await login(t, { sub: 'jack' });
    const key = `sess:${sessionToken.split('.')[0]}`;
    clock += 60_000; // well inside the first tenth of the idle lifetime
    const quiet = await request(t.url).get('/session').set('Cookie', cookie);
    expect(quiet.headers['set-cookie']).toBeUndefined();
    await t.redis.pexpire(key, 1_000_000); // as if much of the idle lifetime had passed
    clock += 3600_000 / 5;
    const rolled = await request(t.url).get('/session').set('Cookie', cookie);
    expect((rolled.headers['set-cookie'] as unknown as string[])[0]).toMatch(
      /^token-bff=s%3A.*Expires=/,
    );
    expect(await t.redis.pttl(key)).toBeGreaterThan(3000_000);
  });
});

describe('cookies over https', () => {
  it('believes X-Forwarded-Proto only from the proxy TRUST_PROXY names', async () => {
    // The caller (127.0.0.1) is not the trusted proxy, so its claim of https is ignored: the
    // Secure cookie is not sent over what is plain http. The bearer token still works.
    await withTestApp(
      {
        env: { PUBLIC_BASE_URL: 'https://bff.example', TRUST_PROXY: '10.0.0.1' },
      },
      async (direct) => {
        const res = await request(direct.url)
          .post('/session')
          .set('X-Forwarded-Proto', 'https')
          .send({ id_token: appIdToken() })
          .expect(200);
        expect(res.headers['set-cookie']).toBeUndefined();
        await request(direct.url)
          .get('/session')
          .set('Authorization', `Bearer ${res.body.session_token}`)
          .expect(200);
      },
    );
  });

  it('uses a __Host- prefixed, Secure cookie when PUBLIC_BASE_URL is https', async () => {
    await withTestApp(
      {
        env: { PUBLIC_BASE_URL: 'https://bff.example', TRUST_PROXY: '1' },
      },
      async (secure) => {
        const res = await request(secure.url)
          .post('/session')
          .set('X-Forwarded-Proto', 'https')
          .send({ id_token: appIdToken() })
          .expect(200);
        const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
        expect(cookie).toMatch(/^__Host-token-bff=s%3A/);
        expect(cookie).toMatch(/; Secure/);
        expect(cookie).toMatch(/Path=\//);
        expect(cookie).not.toMatch(/Domain=/);
      },
    );
  });
});
