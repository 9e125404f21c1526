import request from 'supertest';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import {
  asLiker,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
  atProvider,
  browserStarts,
  connectedBrowser,
  likeCoinEnv,
  pathOf,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { startEmbeddedApp, type EmbeddedTestApp } from '../support/test-app';

// CONTRACT: every feature works on the embedded store too, in one process. This is the app as
// `npm start` runs it without REDIS_URL.
let provider: LikeCoinStandIn;
let t: EmbeddedTestApp;
let clock = Date.now();
beforeAll(async () => {
  provider = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  t = await startEmbeddedApp({ env: likeCoinEnv(provider), now: () => clock });
});
beforeEach(() => {
  clock = Date.now();
});
afterAll(async () => {
  await t.close();
  await provider.close();
});

it('is ready, and says which store it runs on', async () => {
  expect((await request(t.url).get('/readyz').expect(200)).body).toEqual({
    status: 'ready',
    store: 'memory',
  });
});

it('keeps sessions: login, cookie and bearer, LiveLike tokens, logout everywhere', async () => {
  const { cookie, sessionToken } = await login(t, { sub: 'local-user' });
  expect((await request(t.url).get('/session').set('Cookie', cookie)).body.user).toEqual({
    id: 'local-user',
    source: 'app',
  });
  const token = await request(t.url)
    .get('/livelike/token')
    .set('Authorization', `Bearer ${sessionToken}`)
    .expect(200);
  expect(token.body.custom_profile_id).toBe('local-user');
  await request(t.url).delete('/session').set('Cookie', cookie).set('X-CSRF', '1').expect(204);
  expect(
    (await request(t.url).get('/session').set('Authorization', `Bearer ${sessionToken}`)).status,
  ).toBe(401);
});

it('ends a session at its absolute lifetime', async () => {
  const { cookie } = await login(t, { sub: 'long-lived' });
  clock += 604_800_000 + 1_000;
  expect((await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated).toBe(
    false,
  );
});

it('runs the LikeCoin flow, once per state, and proxies with the stored token', async () => {
  const { cookie, authorizationUrl } = await browserStarts(t);
  const callback = pathOf(await atProvider(authorizationUrl));
  const back = await request(t.url).get(callback).set('Cookie', cookie).expect(302);
  expect(back.headers.location).toBe('https://app.example/done');
  expect((await request(t.url).get(callback).set('Cookie', cookie)).body.code).toBe(
    'invalid_state',
  );
  const connected = await connectedBrowser({ t });
  const profile = await request(t.url)
    .get('/likecoin/api/users/profile')
    .set('Cookie', connected)
    .set('X-CSRF', '1');
  expect(profile.status).toBe(200);
  expect(profile.body.user).toBe('alice-liker');
});

it('refreshes an expired token once for many concurrent calls', async () => {
  const realSeconds = () => Math.floor(Date.now() / 1000);
  // A Liker of its own: a set issued "an hour ago" never replaces a newer one of the same Liker.
  asLiker(provider, 'expired-liker');
  provider.setClock(() => realSeconds() - 3600);
  const cookie = await connectedBrowser({ t });
  provider.setClock(realSeconds);
  const refreshes = () =>
    provider.requests.filter(
      (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
    ).length;
  const before = refreshes();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      request(t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1'),
    ),
  );
  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
  expect(refreshes() - before).toBe(1);
});
