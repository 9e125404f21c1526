import type { Browser, BrowserContext } from 'playwright-core';
import { appIdToken } from '../support/app-tokens';
import { startBrowserService, type BrowserService } from '../support/browser-service';
import { launchChromium } from '../support/chromium';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { onPage as on, openSdkPage } from '../support/sdk-page';
import { LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

let liveLike: LiveLikeStandIn;
let service: BrowserService;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  liveLike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  service = await startBrowserService({ env: { LIVELIKE_API_URL: liveLike.apiUrl } });
  browser = await launchChromium();
  context = await browser.newContext({ permissions: ['local-network-access'] });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await service?.close();
  await liveLike?.close();
});

it("a sign-out whose request never reached the service: the SDK is still never sent the signed-out user's token", async () => {
  const page = await openSdkPage(context, {
    serviceUrl: service.url,
    liveLikeClientId: LIVELIKE_CLIENT_ID,
    liveLikeApiUrl: liveLike.apiUrl,
    storage: 'token-bff',
  });
  await on(page, 'signIn', appIdToken({ sub: 'offline-a' }));
  await on(page, 'initLiveLike');
  // The network drops the sign-out (the page went offline as the user left).
  await page.route(`${service.url}/session`, (route) =>
    route.request().method() === 'DELETE' ? route.abort('internetdisconnected') : route.fallback(),
  );
  await expect(on(page, 'signOut')).rejects.toThrow();
  await page.unrouteAll({ behavior: 'wait' });
  // The page's next LiveLike start, as after any sign-out: nobody is signed in on this page.
  const start = liveLike.requests.length;
  await expect(on(page, 'initLiveLike')).rejects.toThrow();
  const sent = liveLike.requests.slice(start).filter((r) => r.headers.authorization);
  expect(sent.filter((r) => r.status === 200)).toEqual([]);
}, 30_000);
