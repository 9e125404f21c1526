import { decodeJwt } from 'jose';
import {
  createTokenBff,
  SIGNED_OUT_TOKEN,
  TokenBffError,
  type TokenBffOptions,
} from '../../client/src/token-bff-client';
import { appIdToken } from '../support/app-tokens';
import {
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import {
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  type TestApp,
} from '../support/test-app';

// The client as an app without a cookie jar runs it (bearer mode, Node's fetch standing in for
// React Native's), against the real service. The browser's cookie mode is driven in Chromium
// by test/client/livelike-sdk-browser.test.ts and the console's tests.

let clock = Date.now();
const now = () => clock;
let t: TestApp;
let likecoin: LikeCoinStandIn;
let livelike: LiveLikeStandIn;

beforeAll(async () => {
  likecoin = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  // One clock for the service and the client: moving it mints tokens with a later iat.
  t = await startTestApp({
    now,
    env: { ...likeCoinEnv(likecoin), LIVELIKE_API_URL: livelike.apiUrl },
  });
});
// ID tokens are signed on the real clock: each test starts from it.
beforeEach(() => {
  clock = Date.now();
});
afterAll(async () => {
  await t.close();
  await likecoin.close();
  await livelike.close();
});

/** Node's fetch, recording each call as "METHOD /path" (the service is real; this only counts). */
function recordingFetch(hold?: { path: string; until: Promise<void> }) {
  const calls: string[] = [];
  const fetchAndRecord: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    calls.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const res = await fetch(input, init);
    if (hold && url.pathname === hold.path) await hold.until;
    return res;
  };
  return { calls, fetch: fetchAndRecord };
}

function app(options: Partial<TokenBffOptions> = {}) {
  return createTokenBff({ baseUrl: t.url, mode: 'bearer', now, ...options });
}

const profileIdOf = (token: string) => decodeJwt(token).custom_profile_id;

describe('LiveLike profile tokens', () => {
  it('reuses one token until 60 s before it expires, and concurrent callers share one request', async () => {
    const { calls, fetch } = recordingFetch();
    const client = app({ fetch });
    await client.signIn(appIdToken({ sub: 'reuse-1' }));
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => client.liveLike.token()));
    expect(new Set(tokens.map((x) => x.access_token)).size).toBe(1);
    expect(tokens[0]).toMatchObject({ custom_profile_id: 'reuse-1', expires_in: 3600 });
    const minted = () => calls.filter((c) => c === 'POST /livelike/token').length;
    expect(minted()).toBe(1);

    clock += (3600 - 61) * 1000;
    expect((await client.liveLike.token()).access_token).toBe(tokens[0]!.access_token);
    expect(minted()).toBe(1);

    clock += 1000;
    const renewed = await client.liveLike.token();
    expect(minted()).toBe(2);
    expect(renewed.access_token).not.toBe(tokens[0]!.access_token);
    expect(profileIdOf(renewed.access_token)).toBe('reuse-1');
  });

  it('renew() drops the cached token and shares one request among its callers', async () => {
    const { calls, fetch } = recordingFetch();
    const client = app({ fetch });
    await client.signIn(appIdToken({ sub: 'renew-1' }));
    const first = await client.liveLike.token();
    clock += 1000;
    const [a, b] = await Promise.all([client.liveLike.renew(), client.liveLike.token()]);
    expect(a.access_token).toBe(b.access_token);
    expect(a.access_token).not.toBe(first.access_token);
    expect(calls.filter((c) => c === 'POST /livelike/token')).toHaveLength(2);
  });

  it("never hands out the previous user's token, not even one already on its way", async () => {
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    const { fetch } = recordingFetch({ path: '/livelike/token', until });
    const client = app({ fetch });
    await client.signIn(appIdToken({ sub: 'alice' }));
    const aliceAsked = client.liveLike.token(); // minted for alice, held on its way back
    const switched = client.signIn(appIdToken({ sub: 'bob' }));
    await switched;
    release();
    const answer = await aliceAsked;
    expect(answer.custom_profile_id).toBe('bob');
    expect(profileIdOf(answer.access_token)).toBe('bob');
  });

  it('after signOut, no token at all: the service refuses and the SDK gets the placeholder', async () => {
    const client = app();
    await client.signIn(appIdToken({ sub: 'leaving-1' }));
    const strategy = client.liveLike.storageStrategy();
    await client.liveLike.token();
    expect(profileIdOf(strategy.get().access_token)).toBe('leaving-1');

    await client.signOut();
    expect(client.sessionToken()).toBeUndefined();
    expect(strategy.get()).toEqual({ access_token: SIGNED_OUT_TOKEN });
    await expect(client.liveLike.token()).rejects.toMatchObject({
      name: 'TokenBffError',
      status: 401,
      code: 'not_authenticated',
    });
  });
});

describe('a sign-out the service never heard of', () => {
  it('refuses everything of the user locally until the next signIn', async () => {
    const calls: string[] = [];
    const offlineForSignOut: typeof fetch = async (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      if (init?.method === 'DELETE') throw new TypeError('fetch failed (offline)');
      return fetch(input, init);
    };
    const client = app({ fetch: offlineForSignOut });
    await client.signIn(appIdToken({ sub: 'offline-1' }));
    await client.liveLike.token();
    await expect(client.signOut()).rejects.toThrow('offline');

    const before = calls.length;
    for (const call of [
      () => client.liveLike.token(),
      () => client.liveLike.renew(),
      () => client.livelike.fetch(`applications/${LIVELIKE_CLIENT_ID}/profile/`),
      () => client.likecoin.fetch('users/profile'),
      () => client.devices.list(),
    ]) {
      await expect(call()).rejects.toMatchObject({ status: 401, code: 'not_authenticated' });
    }
    expect(calls.slice(before)).toEqual([]);

    await client.signIn(appIdToken({ sub: 'offline-2' }));
    expect((await client.liveLike.token()).custom_profile_id).toBe('offline-2');
  });
});

describe("the SDK's storage strategy", () => {
  it("answers the current token, keeps only this user's profile, and renews before expiry", async () => {
    const { calls, fetch } = recordingFetch();
    const client = app({ fetch });
    await client.signIn(appIdToken({ sub: 'sdk-1' }));
    const strategy = client.liveLike.storageStrategy();
    const first = await client.liveLike.token();

    // What LiveLike's SDK stores after init: its profile answer, with the token it used.
    strategy.set({ access_token: first.access_token, id: 'p-1', nickname: 'Sdk One' });
    expect(strategy.get()).toEqual({
      access_token: first.access_token,
      id: 'p-1',
      nickname: 'Sdk One',
    });
    // A profile with any other token (a late answer for someone else) is not kept.
    strategy.set({ access_token: 'eyJ.someone-else', id: 'p-9', nickname: 'Mallory' });
    expect(strategy.get().nickname).toBe('Sdk One');

    clock += 3540 * 1000;
    // Still the old token (valid for 60 s more); the renewal starts in the background.
    expect(strategy.get().access_token).toBe(first.access_token);
    const renewed = await client.liveLike.token(); // shares the renewal get() started
    expect(calls.filter((c) => c === 'POST /livelike/token')).toHaveLength(2);
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(strategy.get()).toMatchObject({ access_token: renewed.access_token, id: 'p-1' });
  });
});

describe('the session', () => {
  it('bearer mode keeps the session token from signIn and tells the app', async () => {
    const seen: (string | undefined)[] = [];
    const client = app({ onSessionToken: (token) => seen.push(token) });
    const signedIn = await client.signIn(appIdToken({ sub: 'keeper-1' }));
    expect(seen).toEqual([signedIn.session_token]);
    expect(client.sessionToken()).toBe(signedIn.session_token);
    expect(await client.session()).toMatchObject({
      authenticated: true,
      user: { id: 'keeper-1', source: 'app' },
    });
  });

  it('a session token the service no longer knows is dropped, and the app is told', async () => {
    const seen: (string | undefined)[] = [];
    const client = app({
      sessionToken: 'not-a-live-session-token',
      onSessionToken: (x) => seen.push(x),
    });
    const err = await client.session().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenBffError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_session_token' });
    expect(seen).toEqual([undefined]);
    expect(client.sessionToken()).toBeUndefined();
  });

  it('a refusal is an Error with status, code and detail; Retry-After when there is one', async () => {
    const client = app();
    const bad = await client.signIn('not-a-jwt').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(bad).toMatchObject({ status: 401, code: expect.stringMatching(/^[a-z_]+$/) });
    expect((bad as Error).message).toContain((bad as TokenBffError).code);

    const limited = await startTestApp({ env: { RATE_LIMIT_LOGIN_PER_IP: '1' } });
    try {
      const client2 = createTokenBff({ baseUrl: limited.url, mode: 'bearer' });
      await client2.signIn(appIdToken({ sub: 'limited-1' }));
      const refused = await client2
        .signIn(appIdToken({ sub: 'limited-1' }))
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
      expect((refused as TokenBffError).retryAfter).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('devices', () => {
  it("lists the user's sessions, logs out the others, and ending this one forgets the user", async () => {
    const phone = app();
    const tablet = app();
    await phone.signIn(appIdToken({ sub: 'devices-1' }));
    await tablet.signIn(appIdToken({ sub: 'devices-1' }));
    const { sessions } = await phone.devices.list();
    expect(sessions.map((d) => d.current).sort()).toEqual([false, true]);

    await phone.devices.endOthers();
    await expect(tablet.session()).rejects.toMatchObject({ code: 'invalid_session_token' });
    expect(tablet.sessionToken()).toBeUndefined();

    await phone.liveLike.token();
    const strategy = phone.liveLike.storageStrategy();
    const self = sessions.find((d) => d.current)!;
    await phone.devices.end(self.id);
    expect(phone.sessionToken()).toBeUndefined();
    expect(strategy.get().access_token).toBe(SIGNED_OUT_TOKEN);
  });
});

describe('the proxies and LikeCoin', () => {
  it('livelike.fetch reaches LiveLike with a profile token for the user, never the session token', async () => {
    const client = app();
    const { session_token } = await client.signIn(appIdToken({ sub: 'proxied-1' }));
    const before = livelike.requests.length;
    const res = await client.livelike.fetch(`applications/${LIVELIKE_CLIENT_ID}/profile/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ custom_profile_id: 'proxied-1' });
    const sent = livelike.requests.slice(before).map((r) => r.headers.authorization ?? '');
    expect(sent).toHaveLength(1);
    expect(profileIdOf(sent[0]!.replace(/^Bearer /, ''))).toBe('proxied-1');
    expect(sent[0]).not.toContain(session_token);
  });

  it("token-bff's own refusal of a proxied call is an Error; the upstream's answers are Responses", async () => {
    const client = app();
    await client.signIn(appIdToken({ sub: 'unlinked-1' }));
    const before = await client.liveLike.token();
    await expect(client.likecoin.fetch('users/profile')).rejects.toMatchObject({
      status: 401,
      code: 'likecoin_not_connected',
    });
    // A 401 that is not about the session keeps the user (and their token).
    expect(await client.liveLike.token()).toBe(before);
    const missing = await client.livelike.fetch('no-such-resource/');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not found.' });
  });

  it('connect: a browser navigates to /likecoin/authorize; an app gets the authorization URL', async () => {
    const went: string[] = [];
    const browser = createTokenBff({ baseUrl: `${t.url}/`, navigate: (url) => went.push(url) });
    expect(browser.mode).toBe('cookie');
    await browser.likecoin.connect('https://app.example/done', 'profile');
    expect(went).toEqual([
      `${t.url}/likecoin/authorize?return_to=https%3A%2F%2Fapp.example%2Fdone&scope=profile`,
    ]);

    const client = app();
    await client.signIn(appIdToken({ sub: 'linker-1' }));
    const answer = await client.likecoin.connect('myapp://auth');
    const url = new URL(answer!.authorization_url);
    expect(url.origin + url.pathname).toBe(likecoin.authorizeUrl);
    expect(url.searchParams.get('client_id')).toBe(LIKECOIN_CLIENT_ID);
  });
});
