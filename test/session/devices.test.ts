import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { login, type LoggedIn } from '../support/login';
import { startEmbeddedApp, startTestApp } from '../support/test-app';

type App = { url: string; close(): Promise<void> };

describe.each([
  ['Redis', () => startTestApp()],
  ['the embedded store', () => startEmbeddedApp()],
] as [string, () => Promise<App>][])('devices, on %s', (_store, start) => {
  let t: App;
  beforeAll(async () => {
    t = await start();
  });
  afterAll(() => t.close());

  const list = (as: LoggedIn) =>
    request(t.url).get('/sessions').set('Cookie', as.cookie).set('X-CSRF', '1');
  const alive = async (token: string) =>
    (await request(t.url).get('/session').set('Authorization', `Bearer ${token}`)).status === 200;

  /** The same user on a laptop (cookie) and a phone (bearer). */
  async function twoDevices(user: string) {
    const laptop = await login(t, { sub: user });
    const phoneLogin = await request(t.url)
      .post('/session')
      .set('User-Agent', 'PhoneApp/2.0 (iOS)\t\tInjected: yes' + 'x'.repeat(300))
      .send({ id_token: appIdToken({ sub: user }) })
      .expect(200);
    return { laptop, phone: phoneLogin.body.session_token as string };
  }

  it('GET /sessions lists both devices, newest first, with `current` right', async () => {
    const { laptop, phone } = await twoDevices('dev-user-1');
    const res = await list(laptop).expect(200);
    expect(res.body.sessions).toHaveLength(2);
    const [newest, oldest] = res.body.sessions;
    expect(oldest).toMatchObject({ current: true, carrier: 'cookie' });
    expect(newest).toMatchObject({ current: false });
    // The user agent is kept short and free of control characters (tabs are what HTTP lets through).
    expect(newest.user_agent).toMatch(/^PhoneApp\/2\.0 \(iOS\)Injected: yesx+$/);
    expect(newest.user_agent.length).toBeLessThanOrEqual(200);
    for (const s of res.body.sessions) {
      expect(Date.parse(s.created_at)).not.toBeNaN();
      expect(Date.parse(s.last_seen_at)).not.toBeNaN();
      // The handle is not a credential: it is not the session id, and does not log anyone in.
      expect(laptop.sessionToken.startsWith(s.id)).toBe(false);
      expect(phone.startsWith(s.id)).toBe(false);
      const asToken = await request(t.url).get('/session').set('Authorization', `Bearer ${s.id}`);
      expect(asToken.status).toBe(401);
    }
    const fromPhone = await request(t.url)
      .get('/sessions')
      .set('Authorization', `Bearer ${phone}`)
      .expect(200);
    expect(fromPhone.body.sessions.find((s: { current: boolean }) => s.current).carrier).toBe(
      'bearer',
    );
  });

  it('DELETE /sessions/{id} ends the other device at once; its next call is a 401', async () => {
    const { laptop, phone } = await twoDevices('dev-user-2');
    const other = (await list(laptop)).body.sessions.find((s: { current: boolean }) => !s.current);
    await request(t.url)
      .delete(`/sessions/${other.id}`)
      .set('Cookie', laptop.cookie)
      .set('X-CSRF', '1')
      .expect(204);
    const res = await request(t.url).get('/livelike/token').set('Authorization', `Bearer ${phone}`);
    expect([res.status, res.body.code]).toEqual([401, 'invalid_session_token']);
    expect(await alive(laptop.sessionToken)).toBe(true);
    expect((await list(laptop)).body.sessions).toHaveLength(1);
  });

  it("another user's handle is a 404, and ends nothing", async () => {
    const mine = await twoDevices('dev-user-3');
    const theirs = await login(t, { sub: 'dev-user-4' });
    const theirHandle = (await list(theirs)).body.sessions[0].id;
    const res = await request(t.url)
      .delete(`/sessions/${theirHandle}`)
      .set('Cookie', mine.laptop.cookie)
      .set('X-CSRF', '1');
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    expect(await alive(theirs.sessionToken)).toBe(true);
  });

  it('DELETE /sessions?keep=current logs out the other devices only', async () => {
    const { laptop, phone } = await twoDevices('dev-user-5');
    await request(t.url)
      .delete('/sessions?keep=current')
      .set('Cookie', laptop.cookie)
      .set('X-CSRF', '1')
      .expect(204);
    expect(await alive(phone)).toBe(false);
    expect(await alive(laptop.sessionToken)).toBe(true);
    expect((await list(laptop)).body.sessions.map((s: { current: boolean }) => s.current)).toEqual([
      true,
    ]);
  });

  it('DELETE /sessions logs out everywhere, this device included', async () => {
    const { laptop, phone } = await twoDevices('dev-user-6');
    const res = await request(t.url)
      .delete('/sessions')
      .set('Authorization', `Bearer ${phone}`)
      .expect(204);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await alive(phone)).toBe(false);
    expect(await alive(laptop.sessionToken)).toBe(false);
    const view = await request(t.url).get('/session').set('Cookie', laptop.cookie);
    expect(view.body.authenticated).toBe(false);
  });

  it('asks for a user, the CSRF header, and a known keep value', async () => {
    expect((await request(t.url).get('/sessions')).body.code).toBe('not_authenticated');
    const someone = await login(t, { sub: 'dev-user-7' });
    const noCsrf = await request(t.url).get('/sessions').set('Cookie', someone.cookie);
    expect([noCsrf.status, noCsrf.body.code]).toEqual([403, 'csrf_rejected']);
    const badKeep = await request(t.url)
      .delete('/sessions?keep=everything')
      .set('Authorization', `Bearer ${someone.sessionToken}`);
    expect([badKeep.status, badKeep.body.code]).toEqual([400, 'invalid_request']);
    expect(await alive(someone.sessionToken)).toBe(true);
  });
});
