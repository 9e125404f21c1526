import request from 'supertest';
import { DEFAULT_LIMITS } from '../../src/config';
import { login, type LoggedIn } from '../support/login';
import { startEmbeddedApp, startTestApp } from '../support/test-app';

type App = { url: string; close(): Promise<void> };

// Strictly increasing, so every login has a creation time of its own and "oldest" is one session.
let ticks = 0;
const now = () => Date.now() + ticks++;

// Issue 18, N9: one replayable ID token could start any number of sessions (1,000 logins made
// a 383 KB GET /sessions). A user has at most 50 live sessions, and the list comes in pages.
describe.each([
  ['Redis', () => startTestApp({ now, env: { RATE_LIMIT_LOGIN_PER_IP: '0' } })],
  ['the embedded store', () => startEmbeddedApp({ now, env: { RATE_LIMIT_LOGIN_PER_IP: '0' } })],
] as [string, () => Promise<App>][])('sessions per user, on %s', (_store, start) => {
  let t: App;
  beforeAll(async () => {
    t = await start();
  });
  afterAll(() => t.close());

  const alive = async (who: LoggedIn) =>
    (await request(t.url).get('/session').set('Authorization', `Bearer ${who.sessionToken}`))
      .status === 200;
  const page = (who: LoggedIn, query = '') =>
    request(t.url).get(`/sessions${query}`).set('Authorization', `Bearer ${who.sessionToken}`);

  it('a login past the cap ends the oldest sessions, and only those', async () => {
    const cap = DEFAULT_LIMITS.sessionsPerUser;
    const logins: LoggedIn[] = [];
    for (let i = 0; i < cap + 2; i++) logins.push(await login(t, { sub: 'many-logins' }));
    const newest = logins[logins.length - 1]!;

    expect(await alive(logins[0]!)).toBe(false);
    expect(await alive(logins[1]!)).toBe(false);
    expect(await alive(logins[2]!)).toBe(true);
    expect(await alive(newest)).toBe(true);
    const listed = await page(newest).expect(200);
    expect(listed.body.sessions).toHaveLength(cap);
    expect(listed.body.next_cursor).toBeNull();
    // The other users are untouched by that user's logins.
    const other = await login(t, { sub: 'someone-else' });
    expect((await page(other).expect(200)).body.sessions).toHaveLength(1);
  });

  it('pages through the devices with next_cursor, newest first, each once', async () => {
    const logins: LoggedIn[] = [];
    for (let i = 0; i < 5; i++) logins.push(await login(t, { sub: 'pager' }));
    const me = logins[0]!;
    const whole = (await page(me).expect(200)).body.sessions.map((d: { id: string }) => d.id);
    expect(whole).toHaveLength(5);

    const seen: string[] = [];
    let query = '?limit=2';
    for (let pages = 0; pages < 5; pages++) {
      const res = await page(me, query).expect(200);
      expect(res.body.sessions.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.sessions.map((d: { id: string }) => d.id));
      if (res.body.next_cursor === null) break;
      query = `?limit=2&cursor=${encodeURIComponent(res.body.next_cursor)}`;
    }
    expect(seen).toEqual(whole);
  });

  it.each([
    ['limit=0'],
    ['limit=51'],
    ['limit=two'],
    ['cursor=not-a-cursor'],
    [`cursor=${Buffer.from('[1,2]').toString('base64url')}`],
  ])('refuses ?%s with a 400 problem', async (query) => {
    const me = await login(t, { sub: 'bad-pager' });
    const res = await page(me, `?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('invalid_request');
  });
});
