import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { appIdToken } from '../support/app-tokens';
import { startBrowserService, type BrowserService } from '../support/browser-service';
import { launchChromium } from '../support/chromium';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import {
  onPage as on,
  openSdkPage,
  type SdkPageApi,
  type SdkPageOptions,
} from '../support/sdk-page';
import { LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// LiveLike's real SDK (@livelike/javascript, from node_modules) in headless Chromium, on a page
// of the service's origin that imports /client/token-bff-client.js. What counts is what LiveLike
// (the stand-in) received: each Authorization header, decoded, names whose token it was.

/** Longest wait for anything the page does. */
const WAIT_MS = 10_000;

// One clock for the service and LiveLike, moved on by the tests that let an hour pass; the
// page's own clock is moved by playwright (page.clock), as a device's would be.
let skewMs = 0;
const clock = () => Date.now() + skewMs;

let liveLike: LiveLikeStandIn;
let service: BrowserService;
let browser: Browser;
let context: BrowserContext;
let pageErrors: string[] = [];

beforeAll(async () => {
  liveLike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET, { now: clock });
  service = await startBrowserService({ env: { LIVELIKE_API_URL: liveLike.apiUrl }, now: clock });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await liveLike?.close();
}, 30_000);

beforeEach(async () => {
  context = await browser.newContext({
    viewport: { width: 1000, height: 760 },
    // The page is fulfilled by playwright, so Chromium gives it no address space of its own and
    // asks before it reaches LiveLike on loopback; a real page's origin would be a real host.
    permissions: ['local-network-access'],
  });
  pageErrors = [];
});

afterEach(async () => {
  await context.close();
  // An exception the page did not catch is a failure of the page, whatever the test saw.
  expect(pageErrors).toEqual([]);
});

async function open(storage: SdkPageOptions['storage'], fakeClock = false): Promise<Page> {
  const page = await openSdkPage(
    context,
    {
      serviceUrl: service.url,
      liveLikeClientId: LIVELIKE_CLIENT_ID,
      liveLikeApiUrl: liveLike.apiUrl,
      storage,
    },
    // Installed before the client runs, so its renewal timer is on the fake clock.
    async (page) => (fakeClock ? page.clock.install() : undefined),
  );
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return page;
}

/** An ID token from the app's identity provider, issued now by the service's clock. */
const idTokenFor = (sub: string) => appIdToken({ sub, iat: Math.floor(clock() / 1000) });

interface Sent {
  method: string;
  status: number | undefined;
  token: string;
  /** custom_profile_id of the token, if it is a JWT at all. */
  profileId: string | undefined;
  exp: number | undefined;
}

/** Every call LiveLike received with credentials, from request number `from` on. */
function sentSince(from: number): Sent[] {
  return liveLike.requests.slice(from).flatMap((r) => {
    const token = /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1];
    if (!token) return [];
    let claims: ReturnType<typeof decodeJwt> | undefined;
    try {
      claims = decodeJwt(token);
    } catch {
      claims = undefined;
    }
    const profileId = claims?.custom_profile_id;
    return [
      {
        method: r.method,
        status: r.status,
        token,
        profileId: typeof profileId === 'string' ? profileId : undefined,
        exp: claims?.exp,
      },
    ];
  });
}

const textOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();

it("with the client's storageStrategy, LiveLike gets only the signed-in user's token, before and after a switch of user on the page", async () => {
  const page = await open('token-bff');
  const start = liveLike.requests.length;

  // User A signs in and uses LiveLike through the SDK.
  expect(await on(page, 'signIn', idTokenFor('fan-a'))).toBe('fan-a');
  expect(await on(page, 'initLiveLike')).toBe('fan-a');
  expect(await on(page, 'rename', 'Alice')).toBe('Alice');
  const asA = sentSince(start);
  expect(asA.map((s) => [s.method, s.status, s.profileId])).toEqual([
    ['GET', 200, 'fan-a'],
    ['PATCH', 200, 'fan-a'],
  ]);
  // The SDK read the application without credentials, across origins (LiveLike's CORS).
  const application = liveLike.requests
    .slice(start)
    .find((r) => r.path === `/api/v1/applications/${LIVELIKE_CLIENT_ID}/`);
  expect(application?.headers.authorization).toBeUndefined();
  expect(application?.headers.origin).toBe(service.url);
  // Its calls with a token were preflighted, and LiveLike (the stand-in) allowed them.
  const preflight = liveLike.requests
    .slice(start)
    .find((r) => r.method === 'OPTIONS' && r.path.endsWith('/profile/'));
  expect(preflight?.headers['access-control-request-headers']).toContain('authorization');
  expect(preflight?.status).toBe(204);

  // A signs out. The page still holds A's token and a component still calls the SDK with it.
  const switched = liveLike.requests.length;
  await on(page, 'signOut');
  await expect(on(page, 'rename', 'Mallory')).rejects.toThrow(
    /LiveLike refused rename to Mallory: 401 Invalid token\./,
  );

  // B signs in on the same page, and the SDK is initialised again with B's token.
  expect(await on(page, 'signIn', idTokenFor('fan-b'))).toBe('fan-b');
  expect(await on(page, 'initLiveLike')).toBe('fan-b');
  expect(await on(page, 'rename', 'Bob')).toBe('Bob');
  expect(await on(page, 'loadProfile')).toBe('fan-b');

  const afterSwitch = sentSince(switched);
  const tokensOfA = new Set(asA.map((s) => s.token));
  // Never A's token again, not even while signed out: then only something LiveLike refuses.
  expect(afterSwitch.filter((s) => s.profileId === 'fan-a' || tokensOfA.has(s.token))).toEqual([]);
  expect(afterSwitch.map((s) => [s.method, s.status, s.profileId])).toEqual([
    ['PATCH', 401, undefined],
    ['GET', 200, 'fan-b'],
    ['PATCH', 200, 'fan-b'],
    ['GET', 200, 'fan-b'],
  ]);
  // What LiveLike holds: each user changed only their own profile.
  expect(liveLike.profiles.get('fan-a')?.nickname).toBe('Alice');
  expect(liveLike.profiles.get('fan-b')?.nickname).toBe('Bob');

  // What the person sees.
  expect(await textOf(page, 'signed-in')).toBe('fan-b');
  expect(await textOf(page, 'livelike-profile')).toBe('fan-b');
  expect(await textOf(page, 'livelike-nickname')).toBe('Bob');
  if (process.env.SDK_SCREENSHOT) {
    await page.screenshot({ path: process.env.SDK_SCREENSHOT, fullPage: true });
  }
}, 60_000);

it("control, the naive way (the SDK's own storage, init with each user's token): after the switch LiveLike still gets A's token, so B acts as A", async () => {
  const page = await open('sdk-default');
  await on(page, 'signIn', idTokenFor('fan-c'));
  expect(await on(page, 'initLiveLike')).toBe('fan-c');
  expect(await on(page, 'rename', 'Carol')).toBe('Carol');

  const switched = liveLike.requests.length;
  await on(page, 'signOut');
  // Signed out, yet the SDK still sends C's token: C's profile is renamed by whoever is here.
  expect(await on(page, 'rename', 'Mallory')).toBe('Mallory');
  await on(page, 'signIn', idTokenFor('fan-d'));
  // Initialised with D's token, the SDK fetched the profile with C's: D sees C's profile.
  expect(await on(page, 'initLiveLike')).toBe('fan-c');

  const afterSwitch = sentSince(switched);
  expect(afterSwitch.filter((s) => s.profileId === 'fan-c').map((s) => s.method)).toEqual([
    'PATCH',
    'GET',
  ]);
  expect(liveLike.profiles.get('fan-c')?.nickname).toBe('Mallory');
  expect(await textOf(page, 'signed-in')).toBe('fan-d');
  expect(await textOf(page, 'livelike-profile')).toBe('fan-c');
}, 60_000);

it('a token near its expiry is renewed in the background, before the SDK sends it', async () => {
  const page = await open('token-bff', true);
  await on(page, 'signIn', idTokenFor('fan-e'));
  const start = liveLike.requests.length;
  await on(page, 'initLiveLike');
  const [first] = sentSince(start);
  expect(first).toMatchObject({ status: 200, profileId: 'fan-e' });
  const { iat, exp } = decodeJwt(first!.token);

  // Time passes for everyone until 30 s before the token's expiry; the page's timers fire.
  const jumpMs = (exp! - iat!) * 1000 - 30_000;
  skewMs += jumpMs;
  const renewed = page.waitForResponse(
    (r) => r.url() === `${service.url}/livelike/token` && r.request().method() === 'POST',
  );
  const beforeJump = liveLike.requests.length;
  await page.clock.fastForward(jumpMs);
  // The renewal was the timer's: nothing has asked the SDK (or the storage) for a token yet.
  expect((await renewed).status()).toBe(200);
  expect(liveLike.requests.length).toBe(beforeJump);
  await page.waitForFunction(
    (old) => (globalThis as unknown as { sdkPage: SdkPageApi }).sdkPage.tokenForSdk() !== old,
    first!.token,
  );

  expect(await on(page, 'loadProfile')).toBe('fan-e');
  const afterJump = sentSince(beforeJump);
  expect(afterJump.map((s) => [s.method, s.status, s.profileId])).toEqual([['GET', 200, 'fan-e']]);
  expect(afterJump[0]!.token).not.toBe(first!.token);
  // A full lifetime ahead by the page's clock, not the last minute of the old one.
  const pageNowSeconds = (await page.evaluate(() => Date.now())) / 1000;
  expect(afterJump[0]!.exp! - pageNowSeconds).toBeGreaterThan(3000);
  expect(await textOf(page, 'livelike-refusal')).toBe('none');
}, 60_000);

it("an expired token's 401 from LiveLike: the page renews it, inits again, and carries on as the same user", async () => {
  const page = await open('token-bff', true);
  await on(page, 'signIn', idTokenFor('fan-f'));
  const start = liveLike.requests.length;
  await on(page, 'initLiveLike');
  const [first] = sentSince(start);
  const { iat, exp } = decodeJwt(first!.token);

  // The device sleeps past the token's expiry: its clock moves on, its timers did not run.
  const sleepMs = (exp! - iat!) * 1000 + 60_000;
  skewMs += sleepMs;
  await page.clock.setSystemTime((await page.evaluate(() => Date.now())) + sleepMs);
  const woke = liveLike.requests.length;

  expect(await on(page, 'loadProfile')).toBe('fan-f');
  const afterSleep = sentSince(woke);
  expect(afterSleep.map((s) => [s.method, s.status, s.profileId])).toEqual([
    ['GET', 401, 'fan-f'],
    ['GET', 200, 'fan-f'],
    ['GET', 200, 'fan-f'],
  ]);
  expect(afterSleep[0]!.token).toBe(first!.token);
  expect(afterSleep.slice(1).filter((s) => s.token === first!.token)).toEqual([]);
  expect(await textOf(page, 'livelike-refusal')).toBe('401 Token expired.');
  expect(await textOf(page, 'livelike-profile')).toBe('fan-f');
}, 60_000);
