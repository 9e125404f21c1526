import request from 'supertest';
import { connectedBrowser, startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import { rawRequest } from '../support/raw-request';

// Issue 25: proxied calls were all labelled `unmatched` (the proxies answer any path under their
// mount with no route of their own), so "traffic by route" could not tell a proxied call from a
// scanner's 404. Each provider's proxy is one label now, whatever the path, answered or refused.

let s: LikeCoinSetup;
beforeAll(async () => {
  s = await startWithLikeCoin();
});
afterAll(() => s.close());

/** `route status` of every http_request_duration_seconds_count series. */
async function routesAndStatuses(): Promise<string[]> {
  const text = (await rawRequest(s.t.url, '/metrics')).body;
  return [...text.matchAll(/^http_request_duration_seconds_count\{([^}]*)\}/gm)]
    .map((m) => {
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1]!)?.[1];
      return `${label('route')} ${label('status')}`;
    })
    .sort();
}

it('labels each provider proxy by its mount, answered or refused, whatever the path', async () => {
  const cookie = await connectedBrowser(s);
  const proxied = (path: string) =>
    request(s.t.url).get(path).set('Cookie', cookie).set('X-CSRF', '1');
  await proxied('/likecoin/api/users/profile').expect(200);
  await proxied('/LikeCoin/API/users/profile').expect(200);
  await proxied('/likecoin/api/users/nobody-here').expect(404);
  // Refused before any upstream call: no session (401), a path outside the base (400).
  await request(s.t.url).get('/likecoin/api/users/profile').set('X-CSRF', '1').expect(401);
  await proxied('/likecoin/api/%2e%2e/admin').expect(400);
  await request(s.t.url).get('/livelike/api/applications/x/').set('X-CSRF', '1').expect(401);
  // Not a proxy: an unknown path stays unmatched.
  await request(s.t.url).get('/likecoin/apix').expect(404);

  const series = await routesAndStatuses();
  expect(series.filter((l) => l.includes('/api/'))).toEqual([
    '/likecoin/api/* 200',
    '/likecoin/api/* 400',
    '/likecoin/api/* 401',
    '/likecoin/api/* 404',
    '/livelike/api/* 401',
  ]);
  expect(series).toContain('unmatched 404');
});
