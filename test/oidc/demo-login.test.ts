import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startDemo, type Demo } from '../demo/demo';
import { launchChromium } from '../support/chromium';
import { LogCapture } from '../support/log-capture';

// `npm run demo` signs browsers in through its OpenID Provider too: the console's link, the
// provider's login page, and back to the console signed in. The demo-provider link (the ID
// token pattern) stays; test/console covers it.

const WAIT_MS = 10_000;
const SCREENSHOTS = process.env.OIDC_SCREENSHOTS;

let demo: Demo | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  demo = await startDemo({ port: 0, logDestination: new LogCapture().stream });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await demo?.close();
}, 30_000);

it("signs in from the demo console through the demo's OpenID Provider", async () => {
  const context = await browser!.newContext({ viewport: { width: 1000, height: 760 } });
  // Loopback only: the provider's page imports a web font the test must not fetch.
  await context.route(/^(?!http:\/\/(127\.0\.0\.1|localhost)[:/])/, (route) => route.abort());
  try {
    const page = await context.newPage();
    await page.goto(demo!.consoleUrl);
    await page.locator('body[data-ready=true]').waitFor({ timeout: WAIT_MS });
    // Both sign-in patterns are offered.
    await page.locator('#demo-login').waitFor({ timeout: WAIT_MS });
    await page.click('#oidc-login');
    await page.locator('input[name=login]').waitFor({ timeout: WAIT_MS });
    expect(new URL(page.url()).origin).toBe(demo!.openIdProvider.issuer);
    await page.fill('input[name=login]', 'demo-user');
    await page.fill('input[name=password]', 'anything');
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'demo-provider-login.png') });
    }
    await page.click('button[type=submit]');
    await page.locator('button', { hasText: 'Continue' }).click({ timeout: WAIT_MS });
    await page.waitForURL(demo!.consoleUrl, { timeout: WAIT_MS });
    await page
      .locator('#session-summary', { hasText: 'Signed in as demo-user (oidc)' })
      .waitFor({ timeout: WAIT_MS });
    if (SCREENSHOTS) {
      await page.screenshot({
        path: path.join(SCREENSHOTS, 'demo-console-signed-in.png'),
        fullPage: true,
      });
    }
  } finally {
    await context.close();
  }
});
