import request from 'supertest';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

it('GET /healthz answers 200 without touching the store', async () => {
  const res = await request(t.url).get('/healthz').expect(200);
  expect(res.body).toEqual({ status: 'ok' });
  await expectDocumented(res, 'GET', '/healthz');
  expect(res.headers['set-cookie']).toBeUndefined();
});

it('GET /readyz answers 200 when the store answers', async () => {
  const res = await request(t.url).get('/readyz').expect(200);
  expect(res.body).toEqual({ status: 'ready', store: 'redis' });
  await expectDocumented(res, 'GET', '/readyz');
});

it('GET /metrics serves Prometheus text: process metrics, request durations by route, sessions', async () => {
  await login(t);
  await request(t.url).get('/no/such/path/123').expect(404);
  const res = await request(t.url).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(/^process_cpu_user_seconds_total /m);
  expect(res.text).toMatch(
    /^http_request_duration_seconds_count\{method="POST",route="\/session\/",status="200"\} 1$/m,
  );
  // Unknown paths share one label, so a scan cannot blow up the series count.
  expect(res.text).toMatch(/route="unmatched",status="404"/);
  expect(res.text).not.toMatch(/no\/such\/path/);
  expect(res.text).toMatch(/^sessions_created_total 1$/m);
  await expectDocumented(res, 'GET', '/metrics');
});

it('sends API security headers (nothing may render or frame an answer), and no X-Powered-By', async () => {
  const res = await request(t.url).get('/healthz');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-dns-prefetch-control']).toBeUndefined();
});
