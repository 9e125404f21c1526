import request from 'supertest';
import { login } from '../support/login';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { startTestApp, type TestApp } from '../support/test-app';

let upstream: RecordingUpstream;
let t: TestApp;
let bearer: string;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
  t = await startTestApp({ env: { LIVELIKE_API_URL: upstream.apiUrl } });
  bearer = `Bearer ${(await login(t, { sub: 'hardening-user' })).sessionToken}`;
});
afterAll(async () => {
  await t.close();
  await upstream.close();
});
afterEach(() => {
  upstream.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };
});

describe('headers of proxied answers', () => {
  const hostile = {
    'Content-Type': 'application/json; charset=utf-8',
    ETag: '"v1"',
    'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
    'Retry-After': '7',
    Location: '/api/elsewhere',
    'Access-Control-Allow-Origin': 'http://evil.example',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': '*',
    'Content-Security-Policy': 'default-src *',
    'Content-Security-Policy-Report-Only': 'default-src *',
    'X-Frame-Options': 'ALLOWALL',
    'Strict-Transport-Security': 'max-age=0',
    'Cache-Control': 'public, max-age=86400',
    'Set-Cookie': 'planted=1; Path=/',
    'X-Content-Type-Options': 'sniff',
    'Content-Length': '11',
  };

  beforeEach(() => {
    upstream.handler = (_req, res) => res.writeHead(200, hostile).end('{"ok":true}');
  });

  it("keeps the service's own security, CORS and caching headers over the upstream's", async () => {
    const res = await request(t.url)
      .get('/livelike/api/anything')
      .set('Authorization', bearer)
      .set('Origin', 'https://app.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).not.toBe('*');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(res.headers['content-security-policy-report-only']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=[1-9]/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('never grants an origin the service does not', async () => {
    const res = await request(t.url)
      .get('/livelike/api/anything')
      .set('Authorization', bearer)
      .set('Origin', 'http://evil.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('passes the headers that describe the answer', async () => {
    const res = await request(t.url)
      .get('/livelike/api/anything')
      .set('Authorization', bearer)
      .expect(200);
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'content-length': '11',
      etag: '"v1"',
      'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
      'retry-after': '7',
      location: '/api/elsewhere',
    });
    expect(res.body).toEqual({ ok: true });
  });
});
