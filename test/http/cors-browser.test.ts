import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { login } from '../support/login';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { startTestApp, type TestApp } from '../support/test-app';

// A real page on another origin (http://localhost:<port>) calls the service
// (http://127.0.0.1:<port>) through the LiveLike proxy, as a frontend does: Chromium decides what
// the preflight allows and what the page may read, not a test's reading of the headers.

const WAIT_MS = 10_000;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

interface StaticPage {
  origin: string;
  close(): Promise<void>;
}

/** An empty HTML page at http://localhost:<port>/: an origin to fetch from. */
async function servePage(): Promise<StaticPage> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Seen {
  status: number;
  /** What the page's script can read of the answer's headers (null: hidden or absent). */
  headers: Record<string, string | null>;
  body: string;
}

/** The page's own fetch; a refused one comes back as the browser's error message. */
function pageFetch(
  page: Page,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  read: string[],
): Promise<Seen | { refused: string }> {
  return page.evaluate(
    async ({ url, init, read }) => {
      try {
        const res = await fetch(url, { ...init, credentials: 'include' });
        const headers = Object.fromEntries(read.map((name) => [name, res.headers.get(name)]));
        return { status: res.status, headers, body: await res.text() };
      } catch (err) {
        return { refused: String(err) };
      }
    },
    { url, init, read },
  );
}

let upstream: RecordingUpstream;
let app: StaticPage;
let foreign: StaticPage;
let t: TestApp;
let bearer: string;
let browser: Browser | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await servePage();
  foreign = await servePage();
  t = await startTestApp({
    env: { LIVELIKE_API_URL: upstream.apiUrl, CORS_ORIGINS: app.origin },
  });
  bearer = `Bearer ${(await login(t, { sub: 'cors-user' })).sessionToken}`;
  browser = await launchChromium();
  context = await browser.newContext();
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await t?.close();
  await Promise.all([upstream?.close(), app?.close(), foreign?.close()]);
}, 30_000);

async function pageAt(origin: string): Promise<Page> {
  if (!context) throw new Error('the browser did not start');
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await page.goto(`${origin}/`);
  return page;
}

const READ = [
  'etag',
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'x-request-id',
  'x-frame-options',
];

it('a listed origin sends the conditional, range, idempotency and trace headers, and reads the answer headers', async () => {
  upstream.handler = (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json', etag: '"v2"', 'retry-after': '7' })
      .end('{"ok":true}');
  };
  const page = await pageAt(app.origin);
  const before = upstream.calls.length;

  const get = await pageFetch(
    page,
    `${t.url}/livelike/api/things/1`,
    {
      method: 'GET',
      headers: {
        Authorization: bearer,
        'If-None-Match': '"v1"',
        Range: 'bytes=0-9',
        traceparent: TRACEPARENT,
        tracestate: 'vendor=1',
      },
    },
    READ,
  );
  const put = await pageFetch(
    page,
    `${t.url}/livelike/api/things/1`,
    {
      method: 'PUT',
      headers: {
        Authorization: bearer,
        'Content-Type': 'application/json',
        'If-Match': '"v2"',
        'Idempotency-Key': 'idem-42',
      },
      body: '{"name":"x"}',
    },
    READ,
  );

  for (const seen of [get, put]) {
    expect(seen).toMatchObject({ status: 200, body: '{"ok":true}' });
    const { headers } = seen as Seen;
    expect(headers.etag).toBe('"v2"');
    expect(headers['retry-after']).toBe('7');
    expect(headers.ratelimit).toMatch(/^"livelike-api"; r=\d+; t=\d+$/);
    expect(headers['ratelimit-policy']).toMatch(/^"livelike-api"; q=\d+; w=60; pk=:[^:]+:$/);
    expect(headers['x-request-id']).toMatch(/\S/);
    // Exposed by name, not with "*": what the page has no use for stays hidden from it.
    expect(headers['x-frame-options']).toBeNull();
  }
  const [sentGet, sentPut] = upstream.calls.slice(before);
  expect(sentGet).toMatchObject({
    method: 'GET',
    path: '/api/things/1',
    headers: {
      'if-none-match': '"v1"',
      range: 'bytes=0-9',
      traceparent: TRACEPARENT,
      tracestate: 'vendor=1',
    },
  });
  expect(sentPut).toMatchObject({
    method: 'PUT',
    path: '/api/things/1',
    headers: { 'if-match': '"v2"', 'idempotency-key': 'idem-42' },
  });
  expect(sentPut!.body.toString()).toBe('{"name":"x"}');
  // The upstream got a LiveLike profile token, never the page's session token.
  expect(sentGet!.headers.authorization).not.toBe(bearer);
  await page.close();
});

it('the browser refuses a header the service does not allow, and nothing reaches the upstream', async () => {
  const page = await pageAt(app.origin);
  const before = upstream.calls.length;
  const seen = await pageFetch(
    page,
    `${t.url}/livelike/api/things/1`,
    { method: 'GET', headers: { Authorization: bearer, 'X-Forwarded-Host': 'evil.example' } },
    READ,
  );
  expect(seen).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
  expect(upstream.calls.length).toBe(before);
  await page.close();
});

it('a foreign origin is refused at the preflight, and nothing reaches the upstream', async () => {
  const page = await pageAt(foreign.origin);
  const before = upstream.calls.length;
  const seen = await pageFetch(
    page,
    `${t.url}/livelike/api/things/1`,
    { method: 'GET', headers: { Authorization: bearer, 'If-None-Match': '"v1"' } },
    READ,
  );
  expect(seen).toEqual({ refused: expect.stringMatching(/Failed to fetch/) });
  expect(upstream.calls.length).toBe(before);
  await page.close();
});
