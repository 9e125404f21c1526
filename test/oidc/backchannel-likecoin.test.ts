import request from 'supertest';
import { startOidcStandIn, type OidcStandIn } from '../support/oidc-stand-in';
import { cookieOf, idTokenClaims, logoutClaims, oidcEnv, startLogin } from '../support/oidc-login';
import {
  atProvider,
  pathOf,
  sessionCookieOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { storedKeys } from '../support/test-app';

// A session signed in through the identity provider that then connects LikeCoin gets a new
// session id (a link always does); the provider's back-channel logout must still find it, and
// end its LikeCoin link as a logout does.

let standIn: OidcStandIn;
let s: LikeCoinSetup;

beforeAll(async () => {
  standIn = await startOidcStandIn();
  s = await startWithLikeCoin(oidcEnv(standIn.issuer));
});
afterAll(async () => {
  await s.close();
  await standIn.close();
});

it('ends a signed-in session that linked LikeCoin since, and its link with it', async () => {
  const login = await startLogin(s.t.url);
  standIn.nextIdToken = await standIn.sign(
    idTokenClaims(standIn, login.nonce, { sub: 'ivy', sid: 'sid-i1' }),
  );
  const signedIn = await request(s.t.url)
    .get('/login/callback')
    .query({ code: 'c', state: login.state })
    .set('Cookie', login.cookie)
    .expect(302);
  const oidcCookie = cookieOf(signedIn);

  const authorize = await request(s.t.url)
    .get('/likecoin/authorize')
    .query({ return_to: 'https://app.example/linked' })
    .set('Cookie', oidcCookie)
    .expect(302);
  const linked = await request(s.t.url)
    .get(pathOf(await atProvider(authorize.headers.location!)))
    .set('Cookie', oidcCookie)
    .expect(302);
  const cookie = sessionCookieOf(linked)!;
  expect(cookie).not.toBe(oidcCookie);
  const before = (await request(s.t.url).get('/session').set('Cookie', cookie)).body;
  expect(before).toMatchObject({
    user: { id: 'ivy', source: 'oidc' },
    likecoin: { connected: true },
  });
  expect(await storedKeys(s.t, 'grant:*')).not.toEqual([]);

  await request(s.t.url)
    .post('/backchannel-logout')
    .type('form')
    .send({ logout_token: await standIn.sign(logoutClaims(standIn, { sid: 'sid-i1' })) })
    .expect(200);
  const after = (await request(s.t.url).get('/session').set('Cookie', cookie)).body;
  expect(after).toMatchObject({ authenticated: false, likecoin: { connected: false } });
  // It was the grant's only session: the grant is forgotten with it, as after a logout.
  expect(await storedKeys(s.t, 'grant:*')).toEqual([]);
});
