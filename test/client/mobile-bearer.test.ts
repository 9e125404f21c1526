import { decodeJwt, jwtVerify } from 'jose';
import { appIdToken } from '../support/app-tokens';
import { startBearerApp, type BearerApp } from '../support/bearer-app';
import {
  asLiker,
  atProvider,
  pathOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// The shape of a React Native app: no DOM, no cookies, only fetch (Node's stands in for it) and
// a session token the app keeps itself. The app is a Node process of its own running the
// client's build (test/support/bearer-app-process.mjs); the service and the stand-ins listen
// on loopback.

let liveLike: LiveLikeStandIn;
let s: LikeCoinSetup;
let app: BearerApp | undefined;

beforeAll(async () => {
  liveLike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  s = await startWithLikeCoin({ LIVELIKE_API_URL: liveLike.apiUrl });
}, 30_000);

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await s?.close();
  await liveLike?.close();
});

interface SignedIn {
  user: { id: string };
  session_token: string;
}
interface LiveLikeToken {
  access_token: string;
  custom_profile_id: string;
}
interface Answer {
  status: number;
  body: string;
}

/** The custom_profile_id of a LiveLike token, verified as LiveLike would. */
async function profileIdOf(accessToken: string): Promise<unknown> {
  const { payload } = await jwtVerify(
    accessToken,
    new TextEncoder().encode(LIVELIKE_CLIENT_SECRET),
    { algorithms: ['HS256'], issuer: LIVELIKE_CLIENT_ID },
  );
  return payload.custom_profile_id;
}

/** GET /session with a bare session token, as anyone holding it could. */
const statusWith = async (sessionToken: string) =>
  (await fetch(`${s.t.url}/session`, { headers: { authorization: `Bearer ${sessionToken}` } }))
    .status;

/** Plays the system browser: the provider's consent, then the service's callback, which
 *  sends it on to the app's own URL scheme with the one-time result handle. */
async function systemBrowser(authorizationUrl: string): Promise<URL> {
  const callback = await atProvider(authorizationUrl);
  const res = await fetch(`${s.t.url}${pathOf(callback)}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

it('bearer mode under Node: sign-in, a switch of user, the LikeCoin link with a rotated session token, both proxies, sign-out', async () => {
  app = await startBearerApp(s.t.url);
  const call = app.call.bind(app);

  // User A signs in; the app keeps the session token it is handed.
  const a = await call<SignedIn>('signIn', appIdToken({ sub: 'phone-a' }));
  expect(a.user.id).toBe('phone-a');
  expect(await call('keptTokens')).toEqual([a.session_token]);
  expect(await call('sessionToken')).toBe(a.session_token);
  const tokenOfA = await call<LiveLikeToken>('liveLikeToken');
  expect(await profileIdOf(tokenOfA.access_token)).toBe('phone-a');

  // B signs in on the same app: from now on, never A's LiveLike token.
  const b = await call<SignedIn>('signIn', appIdToken({ sub: 'phone-b' }));
  expect(await call('keptTokens')).toEqual([a.session_token, b.session_token]);
  // The sign-in carried A's token: A's session is over, not left behind for whoever holds it.
  expect(await statusWith(a.session_token)).toBe(401);
  const tokenOfB = await call<LiveLikeToken>('liveLikeToken');
  expect(tokenOfB.custom_profile_id).toBe('phone-b');
  expect(await profileIdOf(tokenOfB.access_token)).toBe('phone-b');

  // B links LikeCoin through the system browser, which comes back to myapp://auth.
  asLiker(s.provider, 'bob-liker');
  const started = await call<{ authorization_url: string }>('connect', 'myapp://auth', 'profile');
  expect(started.authorization_url.startsWith(`${s.provider.authorizeUrl}?`)).toBe(true);
  const returned = await systemBrowser(started.authorization_url);
  expect(`${returned.protocol}//${returned.host}`).toBe('myapp://auth');
  const result = returned.searchParams.get('result');
  expect(result).toMatch(/^[A-Za-z0-9_-]{43}$/);

  const view = await call('complete', result);
  expect(view).toMatchObject({
    authenticated: true,
    user: { id: 'phone-b' },
    likecoin: { connected: true, user: 'bob-liker', scopes: ['profile'] },
  });
  // The LikeCoin sign-in rotated the session: the app was handed the new token to keep, the
  // old one is dead, and the new one is what the client now sends.
  const kept = await call<string[]>('keptTokens');
  expect(kept).toHaveLength(3);
  const rotated = kept[2]!;
  expect(rotated).not.toBe(b.session_token);
  expect(await call('sessionToken')).toBe(rotated);
  expect(JSON.stringify(view)).not.toContain(rotated);
  expect(await statusWith(b.session_token)).toBe(401);
  expect(await statusWith(rotated)).toBe(200);
  expect(await call('session')).toMatchObject({ user: { id: 'phone-b' } });

  // LikeCoin's API through the proxy: it gets the Liker's access token, never a session token.
  const sentBefore = s.provider.requests.length;
  const profile = await call<Answer>('likecoinFetch', 'users/profile');
  expect(profile.status).toBe(200);
  expect((JSON.parse(profile.body) as { user: string }).user).toBe('bob-liker');
  const [proxied] = s.provider.requests.slice(sentBefore);
  expect(proxied?.path).toBe('/api/users/profile');
  const likerToken = /^Bearer (.+)$/.exec(proxied?.headers.authorization ?? '')?.[1];
  expect(decodeJwt(likerToken!).user).toBe('bob-liker');
  const sessionTokens = [a.session_token, b.session_token, rotated];
  for (const r of s.provider.requests) {
    const seen = r.path + JSON.stringify(r.headers) + r.body;
    for (const token of sessionTokens) expect(seen).not.toContain(token);
  }

  // LiveLike, as the new session's user: a new token and the proxied profile are B's.
  const renewed = await call<LiveLikeToken>('liveLikeRenew');
  expect(await profileIdOf(renewed.access_token)).toBe('phone-b');
  const liveLikeProfile = await call<Answer>(
    'livelikeFetch',
    `applications/${LIVELIKE_CLIENT_ID}/profile/`,
  );
  expect(liveLikeProfile.status).toBe(200);
  expect(JSON.parse(liveLikeProfile.body)).toMatchObject({ custom_profile_id: 'phone-b' });

  // Sign-out: the app is told to drop the token, and nothing user-bound is handed out any more.
  await call('signOut');
  expect((await call<(string | null)[]>('keptTokens')).at(-1)).toBeNull();
  expect(await call('sessionToken')).toBeNull();
  expect(await statusWith(rotated)).toBe(401);
  await expect(call('liveLikeToken')).rejects.toMatchObject({
    name: 'TokenBffError',
    status: 401,
    code: 'not_authenticated',
  });
});
