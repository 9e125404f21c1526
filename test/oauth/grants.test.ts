import { decodeJwt } from 'jose';
import request from 'supertest';
import {
  appFlowReturned,
  asLiker,
  atProvider,
  browserStarts,
  connectedApp,
  connectedBrowser,
  likeCoinEnv,
  pathOf,
  startEmbeddedWithLikeCoin,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { startTestApp } from '../support/test-app';

// One LikeCoin grant per Liker, whatever number of sessions and devices use it: the stand-in
// keeps one live refresh token per user, as LikeCoin does, so any second refresh or a refresh
// racing a new connection would show up as a refusal here.

type Setup = LikeCoinSetup<{ url: string; close(): Promise<void> }>;
const realSeconds = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

const refreshesAt = (s: Setup) =>
  s.provider.requests.filter(
    (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
  ).length;

/** Connects while the provider's clock is an hour behind: the tokens are expired on arrival. */
async function expired<T>(s: Setup, connect: () => Promise<T>): Promise<T> {
  s.provider.setClock(() => realSeconds() - HOUR);
  try {
    return await connect();
  } finally {
    s.provider.setClock(realSeconds);
  }
}

const byCookie = (s: Setup, cookie: string) =>
  request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1');
const byBearer = (s: Setup, token: string) =>
  request(s.t.url).get('/likecoin/api/users/profile').set('Authorization', `Bearer ${token}`);
const viewOf = async (s: Setup, cookie: string) =>
  (await request(s.t.url).get('/session').set('Cookie', cookie)).body;
const bearerViewOf = async (s: Setup, token: string) =>
  (await request(s.t.url).get('/session').set('Authorization', `Bearer ${token}`)).body;

describe.each([
  ['Redis', () => startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '2000' })],
  ['the embedded store', () => startEmbeddedWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '2000' })],
] as [string, () => Promise<Setup>][])('one grant per Liker, on %s', (_store, start) => {
  let s: Setup;
  beforeEach(async () => {
    s = await start();
  });
  afterEach(() => s.close());

  it('a web page and a phone of one Liker: one refresh for both, and logging one out leaves the other', async () => {
    asLiker(s.provider, 'shared-liker');
    const web = await expired(s, () => connectedBrowser(s));
    const phone = await expired(s, () => connectedApp(s, 'phone-user'));
    // The phone's connection replaced the web page's tokens instead of killing its grant.
    expect((await viewOf(s, web)).likecoin).toMatchObject({
      connected: true,
      user: 'shared-liker',
    });

    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => byCookie(s, web)),
      ...Array.from({ length: 10 }, () => byBearer(s, phone)),
    ]);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(answers.every((r) => r.body.user === 'shared-liker')).toBe(true);
    expect(refreshesAt(s)).toBe(1);

    await request(s.t.url).delete('/session').set('Cookie', web).set('X-CSRF', '1').expect(204);
    expect((await byBearer(s, phone)).status).toBe(200);
    expect((await byCookie(s, web)).body.code).toBe('not_authenticated');
    expect((await bearerViewOf(s, phone)).likecoin.connected).toBe(true);
  });

  it('a refused refresh disconnects every session of the Liker', async () => {
    asLiker(s.provider, 'revoked-liker');
    const web = await expired(s, () => connectedBrowser(s));
    const phone = await expired(s, () => connectedApp(s, 'phone-user'));
    s.provider.revokeRefreshTokens('revoked-liker');

    const first = await byCookie(s, web);
    expect([first.status, first.body.code]).toEqual([401, 'likecoin_reauthorization_required']);
    const other = await byBearer(s, phone);
    expect([other.status, other.body.code]).toEqual([401, 'likecoin_reauthorization_required']);
    expect(refreshesAt(s)).toBe(1);
    expect((await viewOf(s, web)).likecoin.connected).toBe(false);
    expect((await bearerViewOf(s, phone)).likecoin.connected).toBe(false);
    // Both are still signed in: only the grant is gone.
    expect((await viewOf(s, web)).authenticated).toBe(true);
  });

  it('a reconnect while a refresh is in flight: every call gets the newer tokens, none is refused', async () => {
    asLiker(s.provider, 'busy-liker');
    const web = await expired(s, () => connectedBrowser(s));
    // The refresh waits at the token endpoint; meanwhile the phone connects the same Liker,
    // which kills the refresh token that refresh is presenting.
    s.provider.behaviour.tokenDelayMs = 800;
    const refreshArrived = s.provider.nextRequest('/oauth/access_token');
    const calls = Promise.all(Array.from({ length: 5 }, () => byCookie(s, web)));
    await refreshArrived;
    s.provider.behaviour.tokenDelayMs = 0;
    const phone = await connectedApp(s, 'phone-user');
    const answers = await calls;

    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    const apiCalls = s.provider.requests.filter((r) => r.path === '/api/users/profile');
    for (const call of apiCalls) {
      const token = String(call.headers.authorization).replace(/^Bearer /, '');
      // Only tokens from the reconnect reached the API: none of the stale, expired set.
      expect(decodeJwt(token).exp).toBeGreaterThan(realSeconds());
    }
    expect((await byBearer(s, phone)).status).toBe(200);
    expect((await byCookie(s, web)).status).toBe(200);
    expect((await viewOf(s, web)).likecoin.connected).toBe(true);
  });

  it('20 Likers refreshing at once, 10 calls each: every call carries its own Liker’s token', async () => {
    const likers = Array.from({ length: 20 }, (_, i) => `liker-${i}`);
    const cookies: string[] = [];
    for (const liker of likers) {
      asLiker(s.provider, liker);
      cookies.push(await expired(s, () => connectedBrowser(s)));
    }
    const answers = await Promise.all(
      likers.flatMap((liker, i) =>
        Array.from({ length: 10 }, async () => ({ liker, res: await byCookie(s, cookies[i]!) })),
      ),
    );
    expect(answers.map((a) => a.res.status)).toEqual(Array(200).fill(200));
    expect(answers.filter((a) => a.res.body.user !== a.liker)).toEqual([]);
    expect(refreshesAt(s)).toBe(20);
  });

  it('logging out while the code exchange runs wins: 400 invalid_state, nobody signed in', async () => {
    asLiker(s.provider, 'late-liker');
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const callback = await atProvider(authorizationUrl);
    s.provider.behaviour.tokenDelayMs = 500;
    const exchangeArrived = s.provider.nextRequest('/oauth/access_token');
    // supertest sends on then(): start it now, await it later.
    const finishing = request(s.t.url)
      .get(pathOf(callback))
      .set('Cookie', cookie)
      .then((r) => r);
    await exchangeArrived;
    await request(s.t.url).delete('/session').set('Cookie', cookie).set('X-CSRF', '1').expect(204);
    const res = await finishing;
    expect([res.status, res.body.code]).toEqual([400, 'invalid_state']);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await viewOf(s, cookie)).toMatchObject({ authenticated: false });
  });

  it('the same for an app: logging out while POST /likecoin/complete runs stores nothing', async () => {
    asLiker(s.provider, 'late-app-liker');
    const { sessionToken, result } = await appFlowReturned(s, 'late-app-user');
    const app = { sessionToken };
    s.provider.behaviour.tokenDelayMs = 500;
    const exchangeArrived = s.provider.nextRequest('/oauth/access_token');
    const completing = request(s.t.url)
      .post('/likecoin/complete')
      .set('Authorization', `Bearer ${app.sessionToken}`)
      .send({ result })
      .then((r) => r);
    await exchangeArrived;
    await request(s.t.url)
      .delete('/session')
      .set('Authorization', `Bearer ${app.sessionToken}`)
      .expect(204);
    const res = await completing;
    expect([res.status, res.body.code]).toEqual([400, 'invalid_state']);
    expect(res.body.session_token).toBeUndefined();
    // A new login finds no grant waiting for it.
    const again = await login(s.t, { sub: 'late-app-user' });
    expect((await bearerViewOf(s, again.sessionToken)).likecoin.connected).toBe(false);
  });

  it('DELETE /likecoin/connection?everywhere=true forgets the grant for every session', async () => {
    asLiker(s.provider, 'everywhere-liker');
    const web = await connectedBrowser(s);
    const phone = await connectedApp(s, 'phone-user');
    await request(s.t.url)
      .delete('/likecoin/connection?everywhere=true')
      .set('Authorization', `Bearer ${phone}`)
      .expect(204);
    expect((await viewOf(s, web)).likecoin.connected).toBe(false);
    expect((await bearerViewOf(s, phone)).likecoin.connected).toBe(false);
    expect((await byCookie(s, web)).body.code).toBe('likecoin_reauthorization_required');
    expect((await byBearer(s, phone)).body.code).toBe('likecoin_not_connected');
  });

  it('a session that lost its grant does not regain it when the Liker connects elsewhere', async () => {
    asLiker(s.provider, 'moved-liker');
    const web = await connectedBrowser(s);
    await request(s.t.url)
      .delete('/likecoin/connection?everywhere=true')
      .set('Cookie', web)
      .set('X-CSRF', '1')
      .expect(204);
    const phone = await connectedApp(s, 'phone-user');
    expect((await bearerViewOf(s, phone)).likecoin.connected).toBe(true);
    expect((await viewOf(s, web)).likecoin.connected).toBe(false);
  });
});

describe('two instances on one Redis', () => {
  it('50 concurrent calls per session, two sessions of one Liker, expired token: one refresh, 100 × 200', async () => {
    const s = await startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '2000' });
    const second = await startTestApp({
      env: { ...likeCoinEnv(s.provider), LIKECOIN_TIMEOUT_MS: '2000' },
      keyPrefix: s.t.keyPrefix,
    });
    try {
      asLiker(s.provider, 'storm-liker');
      const web = await expired(s, () => connectedBrowser(s));
      const phone = await expired(s, () => connectedApp(s, 'phone-user'));
      const instances = [s.t, second];
      const answers = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) =>
          request(instances[i % 2]!.url)
            .get('/likecoin/api/users/profile')
            .set('Cookie', web)
            .set('X-CSRF', '1'),
        ),
        ...Array.from({ length: 50 }, (_, i) =>
          request(instances[(i + 1) % 2]!.url)
            .get('/likecoin/api/users/profile')
            .set('Authorization', `Bearer ${phone}`),
        ),
      ]);
      expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(refreshesAt(s)).toBe(1);
      const metrics = async (url: string) => (await request(url).get('/metrics')).text;
      const all = (await metrics(s.t.url)) + (await metrics(second.url));
      expect(all).toMatch(/oauth_refreshes_total\{provider="likecoin",outcome="ok"\} 1/);
    } finally {
      await second.close();
      await s.close();
    }
  });
});
