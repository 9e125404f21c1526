import request from 'supertest';
import { decodeJwt } from 'jose';
import { keys } from '../../src/store/keys';
import { appIdToken } from '../support/app-tokens';
import {
  asLiker,
  connectedBrowser,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';

// Issue 18, N2: app users and Likers are two sources of users, and never the same user by
// accident. The app user `carol` (a phone) and the Liker `carol` (a browser that signed in with
// LikeCoin) must not share a device list, a logout or a LiveLike profile.
describe('app users and Likers are different users, whatever their ids', () => {
  let s: LikeCoinSetup;
  beforeAll(async () => {
    s = await startWithLikeCoin();
  });
  afterAll(() => s.close());

  async function phoneOfAppUserCarol() {
    return (await login(s.t, { sub: 'carol' })).sessionToken;
  }

  async function browserOfLikerCarol() {
    asLiker(s.provider, 'carol');
    return connectedBrowser(s);
  }

  const devicesOf = (credential: { cookie?: string; bearer?: string }) => {
    const call = request(s.t.url).get('/sessions');
    if (credential.bearer) call.set('Authorization', `Bearer ${credential.bearer}`);
    if (credential.cookie) call.set('Cookie', credential.cookie).set('X-CSRF', '1');
    return call.expect(200);
  };

  it("the Liker's browser does not see, nor log out, the app user's phone", async () => {
    const phone = await phoneOfAppUserCarol();
    const browser = await browserOfLikerCarol();

    const view = await request(s.t.url).get('/session').set('Cookie', browser).expect(200);
    expect(view.body.user).toEqual({ id: 'likecoin:carol', source: 'likecoin' });

    const listed = await devicesOf({ cookie: browser });
    expect(listed.body.sessions).toHaveLength(1);
    expect(listed.body.sessions[0].current).toBe(true);

    await request(s.t.url)
      .delete('/sessions')
      .set('Cookie', browser)
      .set('X-CSRF', '1')
      .expect(204);
    const phoneView = await request(s.t.url)
      .get('/session')
      .set('Authorization', `Bearer ${phone}`)
      .expect(200);
    expect(phoneView.body.user).toEqual({ id: 'carol', source: 'app' });
  });

  it("the app user's phone does not see, nor log out, the Liker's browser", async () => {
    const browser = await browserOfLikerCarol();
    const phone = await phoneOfAppUserCarol();
    const browserHandle = (await devicesOf({ cookie: browser })).body.sessions[0].id;

    const listed = await devicesOf({ bearer: phone });
    expect(listed.body.sessions.length).toBeGreaterThan(0);
    expect(listed.body.sessions.map((d: { id: string }) => d.id)).not.toContain(browserHandle);

    await request(s.t.url).delete('/sessions').set('Authorization', `Bearer ${phone}`).expect(204);
    const browserView = await request(s.t.url).get('/session').set('Cookie', browser).expect(200);
    expect(browserView.body.user).toEqual({ id: 'likecoin:carol', source: 'likecoin' });
  });

  it('each gets a LiveLike profile of its own', async () => {
    const phone = await phoneOfAppUserCarol();
    const browser = await browserOfLikerCarol();
    const appToken = await request(s.t.url)
      .get('/livelike/token')
      .set('Authorization', `Bearer ${phone}`)
      .expect(200);
    const likerToken = await request(s.t.url)
      .get('/livelike/token')
      .set('Cookie', browser)
      .set('X-CSRF', '1')
      .expect(200);
    expect(appToken.body.custom_profile_id).toBe('carol');
    expect(likerToken.body.custom_profile_id).toBe('likecoin:carol');
    expect(decodeJwt(likerToken.body.access_token).custom_profile_id).toBe('likecoin:carol');
  });

  it("refuses an app ID token whose user id reads as a Liker's", async () => {
    const res = await request(s.t.url)
      .post('/session')
      .send({ id_token: appIdToken({ sub: 'likecoin:carol' }) })
      .expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('invalid_user_id');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('ends a session a Liker signed in with before Likers were named likecoin:<id>', async () => {
    const browser = await browserOfLikerCarol();
    const sid = decodeURIComponent(browser.split('=')[1]!).slice(2).split('.')[0]!;
    const key = keys.session(sid);
    const stored = JSON.parse((await s.t.kv.get(key))!);
    stored.user = { id: 'carol', source: 'likecoin' };
    await s.t.kv.set(key, JSON.stringify(stored), 60_000);

    const view = await request(s.t.url).get('/session').set('Cookie', browser).expect(200);
    expect(view.body.authenticated).toBe(false);
    const token = await request(s.t.url)
      .get('/livelike/token')
      .set('Cookie', browser)
      .set('X-CSRF', '1');
    expect(token.status).toBe(401);
    // Counted as what it was, for the operator: not an expiry.
    expect(await s.t.metrics.registry.metrics()).toMatch(
      /sessions_ended_total\{reason="legacy_identity"\} 1\b/,
    );
  });
});

// Issue 18, N4: one user-id rule for every source, and nothing about an id can make a 500.
describe('user ids that cannot be keys, log lines or profile ids', () => {
  let s: LikeCoinSetup;
  beforeAll(async () => {
    s = await startWithLikeCoin();
  });
  afterAll(() => s.close());

  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', 'a\udc00b'],
    ['a NUL', 'a\u0000b'],
    ['a line feed', 'eve\nroot'],
    ['256 characters', 'x'.repeat(256)],
  ])('POST /session refuses a user id with %s (422, no session)', async (_what, sub) => {
    const res = await request(s.t.url)
      .post('/session')
      .send({ id_token: appIdToken({ sub }) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_user_id');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('keys never throw, and different ids never share one', () => {
    const ids = ['\ud800', '\ufffd', '%ED%A0%80', '\udc00\ud800', '{a}', 'a*b', '😀'];
    const userKeys = ids.map((id) => keys.userSessions(id));
    expect(new Set(userKeys).size).toBe(ids.length);
    // The two spellings of one well-formed character are one id.
    expect(keys.userSessions('😀')).toBe(keys.userSessions('\ud83d\ude00'));
    for (const key of userKeys) expect(key).toMatch(/^user:\{[A-Za-z0-9%._~-]+\}:sessions$/);
  });
});
