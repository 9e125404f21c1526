import { connect } from 'node:net';
import request from 'supertest';
import { login } from '../support/login';
import { rawRequest } from '../support/raw-request';
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

describe('headers of proxied calls', () => {
  const spoofed: Record<string, string> = {
    X_Forwarded_For: '6.6.6.6',
    X_Forwarded_Host: 'evil.example',
    'X-Forwarded_Proto': 'https',
    X_Real_IP: '6.6.6.6',
    'X-Real-IP': '6.6.6.6',
    'X-Forwarded_Access-Token': 'planted',
    X_Forwarded_Email: 'admin@example.com',
    'X-Forwarded-User': 'admin',
    'X-Auth-Request-User': 'admin',
    'X-Auth-Request-Email': 'admin@example.com',
    'X-Original-URL': '/admin',
    'X-Rewrite-URL': '/admin',
    'X-HTTP-Method-Override': 'DELETE',
    'X-Method-Override': 'DELETE',
    'True-Client-IP': '6.6.6.6',
    'CF-Connecting-IP': '6.6.6.6',
    'Client-IP': '6.6.6.6',
    Forwarded: 'for=6.6.6.6',
    Content_Type: 'text/evil',
    Cookie: 'a=b',
  };

  it('passes none of the forwarding, identity or override headers, however they are spelt', async () => {
    await request(t.url)
      .get('/livelike/api/anything')
      .set('Authorization', bearer)
      .set(spoofed)
      .set('Accept', 'application/json')
      .set('Accept-Language', 'fr')
      .set('If-None-Match', '"v1"')
      .expect(200);
    const sent = upstream.calls.at(-1)!;
    // Names as the upstream would read them: any case, "_" taken for "-".
    const canonical = (n: string) => n.toLowerCase().replace(/_/g, '-');
    const received = sent.rawHeaders.filter((_, i) => i % 2 === 0).map(canonical);
    const ours = ['x-forwarded-for', 'x-forwarded-proto'];
    const planted = Object.keys(spoofed).map(canonical);
    expect(received.filter((n) => planted.includes(n) && !ours.includes(n))).toEqual([]);
    // What we say about the caller, once, in our own words.
    for (const name of ours) expect(received.filter((n) => n === name)).toHaveLength(1);
    expect(sent.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(sent.headers['x-forwarded-proto']).toBe('http');
    expect(sent.headers['content-type']).toBeUndefined();
    expect(sent.headers).toMatchObject({
      accept: 'application/json',
      'accept-language': 'fr',
      'if-none-match': '"v1"',
    });
    expect(sent.headers.authorization).toMatch(/^Bearer eyJ/);
  });
});

describe('header floods', () => {
  const flood = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-f${i}`, 'x']));

  it.each([150, 1900])(
    'refuses %i headers with 431 too_many_headers, calling nobody',
    async (n) => {
      const before = upstream.calls.length;
      const res = await rawRequest(t.url, '/livelike/api/anything', {
        headers: { authorization: bearer, ...flood(n) },
      });
      expect(res.status).toBe(431);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'too_many_headers' });
      expect(upstream.calls.length).toBe(before);
    },
  );

  it('serves a request just under the cap, with our Authorization first upstream', async () => {
    const res = await rawRequest(t.url, '/livelike/api/anything', {
      // With Host and Connection, the client sends exactly the cap.
      headers: {
        accept: 'application/json',
        ...flood(t.config.limits.maxHeaderCount - 5),
        'accept-language': 'fr',
        authorization: bearer,
      },
    });
    expect(res.status).toBe(200);
    const sent = upstream.calls.at(-1)!;
    // undici's own Host and Connection come first; of what we forward, our credential leads.
    const names = sent.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names.filter((n) => n !== 'host' && n !== 'connection')[0]).toBe('authorization');
  });
});

/** Sends the head, waits for the server's 100 Continue, then the body; resolves with all it read. */
function expectContinue(head: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let sentBody = false;
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!sentBody && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sentBody = true;
        socket.write(body);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('Expect: 100-continue', () => {
  it('is answered by us, not forwarded: the call and its body go through', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const text = await expectContinue(
      'POST /livelike/api/upload HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: ${bearer}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      body,
    );
    const final = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(final).toMatch(/^HTTP\/1\.1 200 /);
    const sent = upstream.calls.at(-1)!;
    expect(sent.path).toBe('/api/upload');
    expect(sent.body.toString()).toBe(body);
    expect(sent.headers.expect).toBeUndefined();
    expect(t.logs.entries().filter((e) => Number(e.level) >= 50)).toEqual([]);
  });
});
