import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../demo/demo';
import { launchChromium } from '../support/chromium';
import { LogCapture } from '../support/log-capture';

// A real browser against `npm run demo`, started in this process on free ports: every flow of
// the console, asserted by what a person sees on the page.

/** Longest wait for anything the page should show. */
const WAIT_MS = 10_000;
const SCREENSHOT = path.resolve(__dirname, '..', '..', 'test-output', 'console.png');

let demo: Demo | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
const logs = new LogCapture();

beforeAll(async () => {
  demo = await startDemo({ port: 0, logDestination: logs.stream });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await demo?.close();
}, 30_000);

/** Waits until `selector` shows `text`; on failure, says what it shows instead. */
async function see(page: Page, selector: string, text: string | RegExp): Promise<void> {
  try {
    await page.locator(selector, { hasText: text }).first().waitFor({ timeout: WAIT_MS });
  } catch {
    const shown = await page
      .locator(selector)
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => '(not on the page)');
    throw new Error(`expected ${selector} to show ${String(text)}; it shows:\n${shown}`);
  }
}

const textOf = (page: Page, selector: string) =>
  page.locator(selector).first().textContent({ timeout: WAIT_MS });

/**
 * The same user signed in on another device (an app with a bearer session), through the demo
 * identity provider's form as a person would; `sessionStatus` says whether it is still live.
 */
async function signInElsewhere(d: Demo, user: string) {
  const state = 'other-device-0123456789abcdef';
  const form = new URLSearchParams({ user, state });
  const login = await fetch(d.identityProvider.loginUrl, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const idToken = new URLSearchParams(new URL(login.headers.get('location')!).hash.slice(1)).get(
    'id_token',
  );
  const signedIn = await fetch(`${d.url}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'other-device/1.0' },
    body: JSON.stringify({ id_token: idToken }),
  });
  expect(signedIn.status).toBe(200);
  const { session_token } = (await signedIn.json()) as { session_token: string };
  return {
    async sessionStatus(): Promise<boolean> {
      const res = await fetch(`${d.url}/session`, {
        headers: { authorization: `Bearer ${session_token}` },
      });
      return res.status === 200 && ((await res.json()) as { authenticated: boolean }).authenticated;
    },
  };
}

it('a developer signs in, gets a LiveLike token, connects LikeCoin, calls both APIs, logs out', async () => {
  if (!demo || !context) throw new Error('the demo or the browser did not start');
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  // A blocked script, style or fetch shows up here: the page's CSP must allow all it does.
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });

  // The page loads and offers the demo provider.
  await page.goto(demo.consoleUrl);
  await page.locator('body[data-ready="true"]').waitFor();
  await see(page, '#session-summary', 'Not signed in');

  // Sign in through the demo identity provider: back with #id_token and the state the page
  // sent, which it checks, then removes from the URL.
  await page.getByRole('link', { name: 'Sign in with the demo provider' }).click();
  await page.waitForURL(`${demo.identityProvider.loginUrl}**`);
  await page.getByLabel('User name').fill('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.consoleUrl}**`);
  await see(page, '#session-summary', 'Signed in as alice (app)');
  expect(page.url()).toBe(demo.consoleUrl);
  await see(page, '#signin-result', 'HTTP 200');
  expect(await textOf(page, '#signin-result')).toContain('(hidden: this page uses the cookie)');

  // A LiveLike token, decoded, with its expiry counting down.
  await page.getByRole('button', { name: 'Get a token (liveLike.token)' }).click();
  await see(page, '#livelike-result', 'HTTP 200');
  expect(await textOf(page, '#livelike-profile')).toBe('alice');
  await see(page, '#livelike-header', '"alg": "HS256"');
  await see(page, '#livelike-claims', '"iss": "demo-livelike-client"');
  await see(page, '#livelike-expiry', /^in (59m|60m 00s)/);
  const firstTick = await textOf(page, '#livelike-expiry');
  // It counts: the text changes within a couple of seconds.
  await page
    .locator('#livelike-expiry', { hasNotText: firstTick ?? '' })
    .waitFor({ timeout: 3000 });

  // Asked again, the client reuses the token it has: no request.
  await page.getByRole('button', { name: 'Get a token (liveLike.token)' }).click();
  await see(page, '#livelike-result', 'from the client (reused, no request)');
  const logBeforeLikeCoin = await page.locator('#request-log li').allTextContents();
  expect(logBeforeLikeCoin.some((line) => line.includes('POST /livelike/token → 200'))).toBe(true);

  // Connect LikeCoin through the stand-in's authorize page.
  await page.getByRole('link', { name: 'Connect LikeCoin' }).click();
  await page.waitForURL(`${demo.likeCoin.authorizeUrl}**`);
  await see(page, 'body', 'Signed in as alice-liker');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(`${demo.consoleUrl}**`);
  await see(page, '#likecoin-status', 'connected: true, as alice-liker (Alice)');
  await see(page, '#session-summary', 'Signed in as alice (app)');
  // The way back from LikeCoin reloaded the page; the token panel and the request log are back.
  await see(page, '#livelike-profile', 'alice');
  await see(page, '#livelike-claims', '"custom_profile_id": "alice"');
  const logAfterLikeCoin = await page.locator('#request-log li').allTextContents();
  expect(logAfterLikeCoin.slice(-logBeforeLikeCoin.length)).toEqual(logBeforeLikeCoin);

  // A proxied call to each provider.
  await page.getByLabel('Path', { exact: true }).fill('/users/profile');
  await page.getByRole('button', { name: 'Send' }).click();
  await see(page, '#proxy-status', 'HTTP 200');
  await see(page, '#proxy-result', '"user": "alice-liker"');
  await page.getByLabel('Provider', { exact: true }).selectOption('livelike');
  expect(await page.getByLabel('Path', { exact: true }).inputValue()).toBe(
    '/applications/demo-livelike-client/profile/',
  );
  await page.getByRole('button', { name: 'Send' }).click();
  await see(page, '#proxy-result', '"custom_profile_id": "alice"');
  await see(page, '#proxy-status', 'HTTP 200');

  // Devices: the LikeCoin sign-in replaced the session id on this same device, and a second
  // browser signs alice in too. This device is listed first, in words a person reads.
  const other = await signInElsewhere(demo, 'alice');
  await page.getByRole('button', { name: 'List my devices' }).click();
  await see(page, '#devices-result', 'HTTP 200');
  await see(
    page,
    '#devices li:first-child',
    /^this device · cookie · .* · signed in just now · last seen just now/,
  );
  expect(await page.locator('#devices li').count()).toBe(2);
  await see(page, '#devices li:nth-child(2)', 'another device');
  await expect(
    page.locator('#devices li.current time').first().getAttribute('datetime'),
  ).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);

  // Destructive buttons look it and ask first: declined, nothing happens; accepted, it is done.
  await expect(
    page.getByRole('button', { name: 'Log out other devices…' }).getAttribute('class'),
  ).resolves.toBe('danger');
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.dismiss();
    }),
  );
  await page.getByRole('button', { name: 'Log out other devices…' }).click();
  expect(await asked).toContain('Log out every other device');
  expect(await other.sessionStatus()).toBe(true);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Log out other devices…' }).click();
  await see(page, '#request-log', 'DELETE /sessions?keep=current → 204');
  await page.locator('#devices li').nth(1).waitFor({ state: 'detached' });
  expect(await page.locator('#devices li').count()).toBe(1);
  expect(await other.sessionStatus()).toBe(false);

  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: WAIT_MS });

  // Disconnect LikeCoin: the proxy now answers with its problem, shown as it is.
  await page.getByRole('button', { name: 'Disconnect this session' }).click();
  await see(page, '#likecoin-status', 'connected: false');
  await page.getByLabel('Provider', { exact: true }).selectOption('likecoin');
  await page.getByLabel('Path', { exact: true }).fill('/users/profile');
  await page.getByRole('button', { name: 'Send' }).click();
  await see(page, '#proxy-status', 'HTTP 401');
  await see(page, '#proxy-result', '"code": "likecoin_not_connected"');

  // Log out: the session is gone, and a token is refused.
  await page.getByRole('button', { name: 'Log out (signOut)' }).click();
  await see(page, '#session-summary', 'Not signed in');
  expect(await textOf(page, '#livelike-profile')).toBe('—');
  await page.getByRole('button', { name: 'Get a token (liveLike.token)' }).click();
  // Signed out on this page: the client refuses by itself, asking the service nothing.
  await see(page, '#livelike-result', 'refused by the client (no request)');
  await see(page, '#livelike-result', '"code": "not_authenticated"');
  const lastCalls = await page.locator('#request-log li').allTextContents();
  expect(lastCalls.slice(0, 2).map((line) => line.replace(/^.*?  /, ''))).toEqual([
    'GET /session → 200',
    'DELETE /session → 204',
  ]);
  expect(await textOf(page, '#livelike-profile')).toBe('—');

  expect(problems).toEqual([]);
  // The service itself saw no failure of its own (a 5xx is logged at error level).
  expect(logs.entries().filter((e) => Number(e.level) >= 50)).toEqual([]);
}, 90_000);
