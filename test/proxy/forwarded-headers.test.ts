import type { IncomingHttpHeaders } from 'node:http';
import {
  callerResponseHeaders,
  upstreamRequestHeaders,
  type ForwardContext,
} from '../../src/proxy/forwarded-headers';

const ctx: ForwardContext = {
  bearer: 'our-access-token',
  clientIp: '203.0.113.7',
  protocol: 'https',
  requestId: 'req-42',
};

/** What we always add, after whatever of the caller's passed. */
const OURS = {
  authorization: 'Bearer our-access-token',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-request-id': 'req-42',
};

describe('upstreamRequestHeaders', () => {
  it.each<[string, IncomingHttpHeaders, Record<string, string>]>([
    ['no headers at all', {}, {}],
    [
      'every allowlisted name',
      {
        accept: 'application/json',
        'accept-language': 'en',
        'accept-encoding': 'gzip',
        'content-type': 'application/json',
        'content-length': '12',
        'content-encoding': 'gzip',
        'content-language': 'de',
        'if-match': '"a"',
        'if-none-match': '"b"',
        'if-modified-since': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'if-unmodified-since': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'if-range': '"c"',
        range: 'bytes=0-9',
        'user-agent': 'app/1.0',
        'cache-control': 'no-cache',
        pragma: 'no-cache',
        'idempotency-key': 'k-1',
      },
      {
        accept: 'application/json',
        'accept-language': 'en',
        'accept-encoding': 'gzip',
        'content-type': 'application/json',
        'content-length': '12',
        'content-encoding': 'gzip',
        'content-language': 'de',
        'if-match': '"a"',
        'if-none-match': '"b"',
        'if-modified-since': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'if-unmodified-since': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'if-range': '"c"',
        range: 'bytes=0-9',
        'user-agent': 'app/1.0',
        'cache-control': 'no-cache',
        pragma: 'no-cache',
        'idempotency-key': 'k-1',
      },
    ],
    [
      "the caller's credentials",
      {
        authorization: 'Bearer callers-session-token',
        cookie: 'sid=s%3Aabc.def',
        'proxy-authorization': 'Basic eDp5',
        accept: 'text/plain',
      },
      { accept: 'text/plain' },
    ],
    [
      'hop-by-hop headers',
      {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        trailer: 'Expires',
        'transfer-encoding': 'chunked',
        upgrade: 'websocket',
        'proxy-connection': 'keep-alive',
        host: 'bff.example',
        expect: '100-continue',
      },
      {},
    ],
    [
      'forwarding and client-IP claims',
      {
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-port': '80',
        forwarded: 'for=10.0.0.1;proto=http',
        'x-real-ip': '10.0.0.1',
        'x-client-ip': '10.0.0.1',
        'true-client-ip': '10.0.0.1',
        'cf-connecting-ip': '10.0.0.1',
        'x-request-id': 'callers-id',
      },
      {},
    ],
    [
      'identity and override headers',
      {
        'x-forwarded-user': 'admin',
        'x-auth-request-user': 'admin',
        'x-auth-request-email': 'admin@example.com',
        'remote-user': 'admin',
        'x-original-url': '/admin',
        'x-rewrite-url': '/admin',
        'x-http-method-override': 'DELETE',
        'x-method-override': 'DELETE',
        origin: 'https://app.example',
        referer: 'https://app.example/page',
      },
      {},
    ],
    [
      'names spelt with "_" instead of "-"',
      {
        content_type: 'application/json',
        x_forwarded_for: '10.0.0.1',
        x_real_ip: '10.0.0.1',
        accept_language: 'en',
        user_agent: 'sneaky',
      },
      {},
    ],
    [
      'mixed-case names (as a non-Node caller could hand them)',
      { 'Content-Type': 'text/csv', ACCEPT: '*/*', 'X-Forwarded-For': '10.0.0.1' },
      { 'content-type': 'text/csv', accept: '*/*' },
    ],
    [
      'an allowlisted header named in Connection',
      {
        connection: 'close, Accept-Language , if-none-match',
        'accept-language': 'en',
        'if-none-match': '"x"',
        accept: '*/*',
      },
      { accept: '*/*' },
    ],
    [
      'Connection given as an array (undici repeats)',
      {
        connection: ['keep-alive', 'user-agent'] as unknown as string,
        'user-agent': 'app/1.0',
        range: 'bytes=0-1',
      },
      { range: 'bytes=0-1' },
    ],
    [
      'an array-valued allowlisted header',
      { 'if-none-match': ['"a"', '"b"'] as unknown as string },
      { 'if-none-match': '"a", "b"' },
    ],
    ['an undefined value', { accept: undefined, 'user-agent': 'x' }, { 'user-agent': 'x' }],
  ])('%s', (_name, incoming, passed) => {
    expect(upstreamRequestHeaders(incoming, ctx)).toEqual({ ...passed, ...OURS });
  });

  it('puts our Authorization first and our forwarding headers last', () => {
    const out = upstreamRequestHeaders(
      { accept: '*/*', authorization: 'Bearer theirs', 'x-forwarded-for': '10.0.0.1' },
      ctx,
    );
    const names = Object.keys(out);
    expect(names[0]).toBe('authorization');
    expect(names.slice(-3)).toEqual(['x-forwarded-for', 'x-forwarded-proto', 'x-request-id']);
    expect(out.authorization).toBe('Bearer our-access-token');
  });

  it('does not let Connection drop our own headers', () => {
    const out = upstreamRequestHeaders(
      { connection: 'authorization, x-forwarded-for, x-forwarded-proto, x-request-id' },
      ctx,
    );
    expect(out).toEqual(OURS);
  });
});

describe('callerResponseHeaders', () => {
  it.each<[string, IncomingHttpHeaders, Record<string, unknown>]>([
    ['no headers at all', {}, {}],
    [
      'what describes the answer is kept',
      {
        'content-type': 'application/json',
        'content-length': '2',
        'content-encoding': 'gzip',
        'content-language': 'en',
        'content-range': 'bytes 0-1/2',
        'content-disposition': 'attachment; filename="a.txt"',
        'accept-ranges': 'bytes',
        etag: '"v1"',
        'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'retry-after': '30',
        location: '/api/next',
        'www-authenticate': 'Bearer error="invalid_token"',
        ratelimit: 'limit=10, remaining=9, reset=5',
        'ratelimit-policy': '10;w=60',
        'x-ratelimit-limit': '10',
        'x-ratelimit-remaining': '9',
        'x-ratelimit-reset': '5',
      },
      {
        'content-type': 'application/json',
        'content-length': '2',
        'content-encoding': 'gzip',
        'content-language': 'en',
        'content-range': 'bytes 0-1/2',
        'content-disposition': 'attachment; filename="a.txt"',
        'accept-ranges': 'bytes',
        etag: '"v1"',
        'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT',
        'retry-after': '30',
        location: '/api/next',
        'www-authenticate': 'Bearer error="invalid_token"',
        ratelimit: 'limit=10, remaining=9, reset=5',
        'ratelimit-policy': '10;w=60',
        'x-ratelimit-limit': '10',
        'x-ratelimit-remaining': '9',
        'x-ratelimit-reset': '5',
      },
    ],
    [
      'security headers are ours to say',
      {
        'content-security-policy': 'default-src *',
        'strict-transport-security': 'max-age=0',
        'x-frame-options': 'ALLOWALL',
        'x-content-type-options': 'sniff',
        'referrer-policy': 'unsafe-url',
        'permissions-policy': 'camera=*',
        'cross-origin-resource-policy': 'cross-origin',
        'content-type': 'text/html',
      },
      { 'content-type': 'text/html' },
    ],
    [
      'CORS headers are ours to say',
      {
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': '*',
        'access-control-expose-headers': '*',
        vary: 'Origin',
      },
      {},
    ],
    [
      'cookies and caching are ours to say',
      {
        'set-cookie': ['likecoin_upstream=planted; Path=/', 'b=2'],
        'cache-control': 'public, max-age=31536000',
        expires: 'Tue, 01 Jan 2030 00:00:00 GMT',
        age: '100',
        pragma: 'cache',
        etag: '"kept"',
      },
      { etag: '"kept"' },
    ],
    [
      'hop-by-hop and server-identifying headers',
      {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        trailer: 'x',
        server: 'nginx/1.0',
        'x-powered-by': 'Express',
        'alt-svc': 'h3=":443"',
        'retry-after': '1',
      },
      { 'retry-after': '1' },
    ],
    [
      'a kept header named in Connection is dropped',
      { connection: 'ETag, close', etag: '"v1"', location: '/x' },
      { location: '/x' },
    ],
    [
      'array-valued Connection',
      {
        connection: ['close', 'etag', ' Location '] as unknown as string,
        etag: '"v1"',
        location: '/x',
        'retry-after': '5',
      },
      { 'retry-after': '5' },
    ],
    ['an undefined value', { etag: undefined, location: '/y' }, { location: '/y' }],
  ])('%s', (_name, upstream, kept) => {
    expect(callerResponseHeaders(upstream)).toEqual(kept);
  });
});
