import type { Browser, BrowserContext } from 'playwright-core';
import { appIdToken } from '../support/app-tokens';
import { startBrowserService, type BrowserService } from '../support/browser-service';
import { launchChromium } from '../support/chromium';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { onPage as on, openSdkPage } from '../support/sdk-page';
import { LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// LIVELIKE_TOKEN_TTL_SECONDS may be anything from 1 s: a token that lives 60 s or less is
// already inside the client's 60 s renewal margin when it arrives.

let liveLike: LiveLikeStandIn;
let service: BrowserService;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  liveLike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  service = await startBrowserService({
    env: { LIVELIKE_API_URL: liveLike.apiUrl, LIVELIKE_TOKEN_TTL_SECONDS: '60' },
  });
  browser = await launchChromium();
  context = await browser.newContext({ permissions: ['local-network-access'] });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await service?.close();
  await liveLike?.close();
});

it('a 60 s token is not renewed over and over: one token for the first 10 s of its life', async () => {
  const page = await openSdkPage(
    context,
    {
      serviceUrl: service.url,
      liveLikeClientId: LIVELIKE_CLIENT_ID,
      liveLikeApiUrl: liveLike.apiUrl,
      storage: 'token-bff',
    },
    // The page's clock stands still unless the test runs it.
    async (p) => {
      await p.clock.install();
      await p.clock.pauseAt(Date.now() + 1000);
    },
  );
  const tokenRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url() === `${service.url}/livelike/token`) tokenRequests.push(r.method());
  });
  await on(page, 'signIn', appIdToken({ sub: 'short-lived' }));
  await on(page, 'initLiveLike');
  expect(tokenRequests).toEqual(['POST']);

  await page.clock.runFor(10_000);
  // A round trip of the page's: whatever the timers started has been sent by then.
  await on(page, 'loadProfile');
  expect(tokenRequests).toEqual(['POST']);
}, 30_000);
