import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../demo/demo';
import { launchChromium } from '../support/chromium';
import { LogCapture } from '../support/log-capture';

// Login CSRF (issue 18, N5): a link to /console#id_token=<someone else's token> must not sign
// the visitor in. The console signs in from a fragment only when it started that sign-in
// itself, with a nonce it keeps in the tab's sessionStorage, and only once. A real browser
// against `npm run demo`, started in this process on free ports.

const WAIT_MS = 10_000;
const IGNORED = 'Ignored a sign-in link this page did not start';

let demo: Demo | undefined;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const logs = new LogCapture();

beforeAll(async () => {
  demo = await startDemo({ port: 0, logDestination: logs.stream });
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  // The service saw no failure of its own (a 5xx is logged at error level).
  expect(logs.entries().filter((e) => Number(e.level) >= 50)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
}, 30_000);

function started(): { demo: Demo; browser: Browser } {
  if (!demo || !browser) throw new Error('the demo or the browser did not start');
  return { demo, browser };
}

/** A visitor's browser: its own cookies and sessionStorage, closed after the test. */
async function visitor(): Promise<{ context: BrowserContext; page: Page; posts: string[] }> {
  const context = await started().browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  // Every sign-in attempt the page makes, whatever the service answered.
  const posts: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/session') {
      posts.push(req.url());
    }
  });
  return { context, page, posts };
}

/**
 * What an attacker does: sign in at the provider as themselves (with a state of their own
 * choosing, as the provider asks for one) and keep the URL it sends the browser back to.
 */
async function attackersReturnUrl(state = 'attackers-own-state-0123456789'): Promise<string> {
  const { demo } = started();
  const res = await fetch(demo.identityProvider.loginUrl, {
    method: 'POST',
    body: new URLSearchParams({ user: 'attacker', state }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location.startsWith(`${demo.consoleUrl}#`)).toBe(true);
  return location;
}

const tokenIn = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('id_token');

/** The session as the service sees it for this browser's cookies. */
async function sessionOf(context: BrowserContext): Promise<{ authenticated: boolean }> {
  const res = await context.request.get(`${started().demo.url}/session`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { authenticated: boolean };
}

/** Loads `url` as a new document: a hash-only change would not run the page's script again. */
async function load(page: Page, url: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url);
  // The page's first round of calls is over (console.js sets it last).
  await page.locator('body[data-ready="true"]').waitFor();
}

async function expectIgnored(context: BrowserContext, page: Page, posts: string[]): Promise<void> {
  const { demo } = started();
  expect(posts).toEqual([]);
  expect(await sessionOf(context)).toMatchObject({ authenticated: false });
  await page.locator('#session-summary', { hasText: 'Not signed in' }).waitFor();
  await page.locator('#signin-notice', { hasText: IGNORED }).waitFor();
  // The token is gone from the address bar (and so from the history and any copied link).
  expect(page.url()).toBe(demo.consoleUrl);
}

describe('a sign-in link the console did not start', () => {
  it('/console#id_token=<the attacker’s token> signs nobody in, and says so', async () => {
    const attackLink = await attackersReturnUrl();
    const { context, page, posts } = await visitor();

    await load(page, `${started().demo.consoleUrl}#id_token=${tokenIn(attackLink)}`);
    await expectIgnored(context, page, posts);

    // Not for want of a valid token: the very same one, posted, is a session for "attacker".
    const res = await fetch(`${started().demo.url}/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id_token: tokenIn(attackLink) }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { id: 'attacker' } });
  }, 30_000);

  it('ignores the provider’s whole answer to the attacker, state and all', async () => {
    const attackLink = await attackersReturnUrl();
    const { context, page, posts } = await visitor();

    await load(page, attackLink);
    await expectIgnored(context, page, posts);
  }, 30_000);

  it('ignores it while a sign-in of the visitor’s own is under way (the state differs)', async () => {
    const { demo } = started();
    const attackLink = await attackersReturnUrl();
    const { context, page, posts } = await visitor();

    await load(page, demo.consoleUrl);
    await page.getByRole('link', { name: 'Sign in with the demo provider' }).click();
    await page.waitForURL(`${demo.identityProvider.loginUrl}?state=**`);
    await load(page, attackLink);
    await expectIgnored(context, page, posts);
  }, 30_000);
});

describe('the demo sign-in the console starts', () => {
  it('signs in on the way back, once: the same return URL later signs nobody in', async () => {
    const { demo } = started();
    const { context, page, posts } = await visitor();

    await load(page, demo.consoleUrl);
    await page.getByRole('link', { name: 'Sign in with the demo provider' }).click();
    await page.waitForURL(`${demo.identityProvider.loginUrl}?state=**`);
    await page.getByLabel('User name').fill('alice');
    const answer = page.waitForResponse(
      (r) => r.url() === demo.identityProvider.loginUrl && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    const returnUrl = (await answer).headers()['location'] ?? '';
    await page.waitForURL(`${demo.consoleUrl}**`);
    await page.locator('#session-summary', { hasText: 'Signed in as alice (app)' }).waitFor();
    expect(posts).toHaveLength(1);
    expect(page.url()).toBe(demo.consoleUrl);
    expect(await page.locator('#signin-notice').isHidden()).toBe(true);
    expect(await sessionOf(context)).toMatchObject({
      authenticated: true,
      user: { id: 'alice' },
    });

    // Log out, then come back with the very URL the provider sent: its state was used up.
    await page.getByRole('button', { name: 'Log out (signOut)' }).click();
    await page.locator('#session-summary', { hasText: 'Not signed in' }).waitFor();
    expect(new URLSearchParams(new URL(returnUrl).hash.slice(1)).get('state')).toMatch(/\S/);
    posts.length = 0;
    await load(page, returnUrl);
    await expectIgnored(context, page, posts);
  }, 30_000);

  it('the provider gives no form to a sign-in started without a state', async () => {
    const { demo } = started();
    const { page } = await visitor();
    const res = await page.goto(demo.identityProvider.loginUrl);
    expect(res?.status()).toBe(400);
    await page.locator('body', { hasText: 'Start the sign-in from the console' }).waitFor();
    expect(await page.getByLabel('User name').count()).toBe(0);
  }, 30_000);
});
