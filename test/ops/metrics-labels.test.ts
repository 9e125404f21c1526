import { once } from 'node:events';
import { METHODS, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { createMetrics } from '../../src/ops/metrics';
import { startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import { login } from '../support/login';
import { rawRequest } from '../support/raw-request';

// The routes as the app declares them (mount + route path), and the label of everything else.
const KNOWN_ROUTES = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/session',
  '/session/',
  '/sessions/',
  '/sessions/:handle',
  '/livelike/token',
  '/likecoin/authorize',
  '/likecoin/callback',
  '/likecoin/complete',
  '/likecoin/connection',
  'unmatched',
]);
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'other',
]);

// Each path with methods that leave the bearer session alive (no DELETE /session, /sessions).
const PATHS: [string, string[]][] = [
  ['/session', ['GET', 'POST']],
  ['/sessions', ['GET']],
  ['/sessions/some-handle', ['DELETE', 'GET']],
  ['/livelike/token', ['GET', 'POST']],
  ['/likecoin/callback?state=x&code=y', ['GET']],
  ['/likecoin/connection', ['DELETE']],
  ['/healthz', ['GET', 'HEAD']],
];

/** The `n`th spelling of `path`: its letters' case by the bits of n, sometimes a trailing slash. */
function spelling(path: string, n: number): string {
  const [p = '', q] = path.split('?');
  let letter = 0;
  const cased = [...p]
    .map((c) => (/[a-z]/.test(c) && (n >> (letter++ % 10)) & 1 ? c.toUpperCase() : c))
    .join('');
  return `${cased}${n % 3 === 0 ? '/' : ''}${q === undefined ? '' : `?${q}`}`;
}

/** Each `http_request_duration_seconds_count` series: its labels. */
function durationSeries(text: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('http_request_duration_seconds_count{'))
    .map((l) => {
      const labels = /\{(.*)\}/.exec(l)?.[1] ?? '';
      return Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    });
}

let s: LikeCoinSetup;
beforeAll(async () => {
  s = await startWithLikeCoin();
});
afterAll(() => s.close());

it("labels requests by the declared route, whatever the client's spelling or method", async () => {
  const { sessionToken } = await login(s.t, { sub: 'metrics-user' });
  const headers = { Authorization: `Bearer ${sessionToken}` };
  // Methods node's parser accepts but the service never routes (CONNECT needs another form).
  const odd = METHODS.filter((m) => !['DELETE', 'CONNECT'].includes(m));
  let sent = 0;
  for (const [path, methods] of PATHS) {
    for (let n = 0; n < 40; n++) {
      const method = n % 4 === 3 ? odd[sent % odd.length]! : methods[n % methods.length]!;
      await rawRequest(s.t.url, spelling(path, n), { method, headers });
      sent++;
    }
  }
  // Encoded spellings never match a route: they must share the one label.
  for (const path of ['/sessio%6E', '/%73ession', '/livelike/%74oken', '/SESSION%2F']) {
    await rawRequest(s.t.url, path, { headers });
    sent++;
  }
  expect(sent).toBeGreaterThan(280);

  const series = durationSeries((await rawRequest(s.t.url, '/metrics')).body);
  const routes = new Set(series.map((l) => l.route));
  expect([...routes].filter((r) => !KNOWN_ROUTES.has(r!))).toEqual([]);
  expect([...new Set(series.map((l) => l.method))].filter((m) => !KNOWN_METHODS.has(m!))).toEqual(
    [],
  );
  // The declared spellings are what reached the labels (not only 'unmatched').
  for (const declared of [
    '/session/',
    '/sessions/:handle',
    '/livelike/token',
    '/likecoin/callback',
  ]) {
    expect(routes).toContain(declared);
  }
  // Before the fix: one series per spelling and odd method (about 170 here).
  expect(series.length).toBeLessThanOrEqual(40);
});

it('labels a router mounted at two paths by the mount the request came through', async () => {
  const metrics = createMetrics();
  const app = express();
  app.use(metrics.timeRequests);
  const shared = Router();
  shared.get('/item/:id', (_req, res) => {
    res.end();
  });
  app.use(['/Alpha', '/beta'], shared);
  const server: Server = app.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const path of ['/alpha/item/1', '/ALPHA/item/2', '/beta/item/3', '/BeTa/ITEM/4']) {
      expect((await rawRequest(url, path)).status).toBe(200);
    }
    const text = await metrics.registry.metrics();
    expect(durationSeries(text).map((l) => `${l.route} ${l.status}`)).toEqual([
      '/Alpha/item/:id 200',
      '/beta/item/:id 200',
    ]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
