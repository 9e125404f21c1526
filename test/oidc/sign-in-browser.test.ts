import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { startOidcService, type OidcService } from '../support/oidc-service';

// Chromium signs in through a real OpenID Provider (panva's oidc-provider, on loopback) and out
// through its end-session endpoint; the provider's own back-channel logout ends a session here.
// With OIDC_SCREENSHOTS=<dir> the provider's login page is saved there (never into the repo).

const WAIT_MS = 10_000;
const SCREENSHOTS = process.env.OIDC_SCREENSHOTS;

let service: OidcService;
let browser: Browser;

beforeAll(async () => {
  service = await startOidcService();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await service?.close();
}, 30_000);

async function newBrowser(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  // Loopback only: the provider's page imports a web font the test must not fetch.
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  return { context, page: await context.newPage() };
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** GET /login, then the provider's own pages. */
async function signIn(page: Page, user: string, returnTo = `${service.url}/console`) {
  await page.goto(`${service.url}/login?return_to=${encodeURIComponent(returnTo)}`);
  await signInAtProvider(page, user, returnTo);
}

/** At the provider: its login form (any password), then its consent; back at `returnTo`. */
async function signInAtProvider(page: Page, user: string, returnTo: string) {
  await page.locator('input[name=login]').waitFor({ timeout: WAIT_MS });
  expect(new URL(page.url()).origin).toBe(service.provider.issuer);
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any password');
  await screenshot(page, `provider-login-${user}.png`);
  await page.click('button[type=submit]');
  await page.locator('button', { hasText: 'Continue' }).click({ timeout: WAIT_MS });
  await page.waitForURL(returnTo, { timeout: WAIT_MS });
}

async function sessionOf(page: Page) {
  const res = await page.request.get(`${service.url}/session`);
  return (await res.json()) as {
    authenticated: boolean;
    user: { id: string; source: string } | null;
  };
}

it("signs in from the console's link through the provider, and out through its end-session endpoint", async () => {
  const { context, page } = await newBrowser();
  try {
    await page.goto(`${service.url}/console`);
    await page.locator('body[data-ready=true]').waitFor({ timeout: WAIT_MS });
    await page.click('#oidc-login');
    await signInAtProvider(page, 'alice', `${service.url}/console`);
    await page
      .locator('#session-summary', { hasText: 'Signed in as alice (oidc)' })
      .waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'console-signed-in.png');
    expect(await sessionOf(page)).toMatchObject({
      authenticated: true,
      user: { id: 'alice', source: 'oidc' },
    });

    // Signing out here first, then at the provider, which confirms, tells us over the back
    // channel (already signed out: nothing more to end) and sends the browser back.
    const told = service.provider.nextEvent((e) => e.event.startsWith('backchannel'));
    await page.goto(`${service.url}/logout?return_to=${encodeURIComponent(`${service.url}/`)}`);
    expect(new URL(page.url()).origin).toBe(service.provider.issuer);
    await page.locator('button[name=logout]').click({ timeout: WAIT_MS });
    await page.waitForURL(`${service.url}/`, { timeout: WAIT_MS });
    expect(await told).toMatchObject({ event: 'backchannel.success', sub: 'alice' });
    expect(await sessionOf(page)).toMatchObject({ authenticated: false });
  } finally {
    await context.close();
  }
});

it("ends the session here when the provider's session ends (its back-channel logout), and only that one", async () => {
  const phone = await newBrowser();
  const laptop = await newBrowser();
  try {
    await signIn(phone.page, 'bob');
    await signIn(laptop.page, 'bob');
    // The user signs out at the provider itself on the phone (not through us).
    const told = service.provider.nextEvent((e) => e.event.startsWith('backchannel'));
    await phone.page.goto(`${service.provider.issuer}/session/end`);
    await phone.page.locator('button[name=logout]').click({ timeout: WAIT_MS });
    const event = await told;
    expect(event).toMatchObject({ event: 'backchannel.success', sub: 'bob' });
    expect(event.sid).toEqual(expect.any(String));
    expect(await sessionOf(phone.page)).toMatchObject({ authenticated: false });
    expect(await sessionOf(laptop.page)).toMatchObject({
      authenticated: true,
      user: { id: 'bob' },
    });
  } finally {
    await phone.context.close();
    await laptop.context.close();
  }
});

it('keeps the session when a link on a foreign page sends the browser to /logout', async () => {
  const { context, page } = await newBrowser();
  try {
    await signIn(page, 'carol');
    // Another origin of the same site (another port on 127.0.0.1): not the service, not the app.
    const foreign = 'http://127.0.0.1:9/';
    await context.route(foreign, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<a id="out" href="${service.url}/logout">Win a prize</a>`,
      }),
    );
    await page.goto(foreign);
    await page.click('#out');
    await page
      .locator('h1', { hasText: 'Sign-out did not complete' })
      .waitFor({ timeout: WAIT_MS });
    expect(await sessionOf(page)).toMatchObject({ authenticated: true, user: { id: 'carol' } });
  } finally {
    await context.close();
  }
});
