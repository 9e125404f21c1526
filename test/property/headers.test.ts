import fc from 'fast-check';
import type { IncomingHttpHeaders } from 'node:http';
import { callerResponseHeaders, upstreamRequestHeaders } from '../../src/proxy/forwarded-headers';
import { PURE_RUNS, useSeed } from './seed';

useSeed();

// The oracle's own lists, written from the rule rather than copied from the code.
const REQUEST_OK = [
  'accept',
  'accept-language',
  'accept-encoding',
  'content-type',
  'content-length',
  'content-encoding',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'user-agent',
  'cache-control',
  'pragma',
];
const OURS = ['authorization', 'x-forwarded-for', 'x-forwarded-proto', 'x-request-id'];
const DANGEROUS_REQUEST = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-access-token',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'forwarded',
  'x-auth-request-user',
  'x-auth-request-email',
  'x-auth-request-access-token',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-method-override',
  'x-http-method',
  'cookie',
  'authorization',
  'proxy-authorization',
  'host',
  'expect',
  'connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'x-csrf',
  'x-request-id',
];
const RESPONSE_NEVER = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'content-security-policy',
  'content-security-policy-report-only',
  'x-frame-options',
  'strict-transport-security',
  'set-cookie',
  'cache-control',
  'x-content-type-options',
  'cross-origin-resource-policy',
  'referrer-policy',
  'transfer-encoding',
  'connection',
];
const RESPONSE_KEPT = [
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'retry-after',
  'location',
];

const canonical = (n: string) => n.toLowerCase().replace(/_/g, '-');

/** A known name, spelt as a client might: any case, "-" or "_". */
const spelt = (names: string[]) =>
  fc
    .tuple(
      fc.constantFrom(...names),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      fc.boolean(),
    )
    .map(([name, upper, underscore]) =>
      [...name]
        .map((c, i) => (c === '-' && underscore ? '_' : upper[i] ? c.toUpperCase() : c))
        .join(''),
    );
const value = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const headerSet = (names: string[]) =>
  fc.dictionary(
    fc.oneof(spelt(names), fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/)),
    fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })),
    { maxKeys: 30 },
  );
const ctx = { bearer: 'our-token', clientIp: '203.0.113.7', protocol: 'https', requestId: 'r-1' };

describe('upstreamRequestHeaders (property)', () => {
  it('sends our credential first, only allowlisted headers, and no spoofed forwarding', () => {
    fc.assert(
      fc.property(headerSet([...DANGEROUS_REQUEST, ...REQUEST_OK]), (incoming) => {
        const out = upstreamRequestHeaders(incoming as IncomingHttpHeaders, ctx);
        const names = Object.keys(out);
        expect(names[0]).toBe('authorization');
        expect(out.authorization).toBe('Bearer our-token');
        expect(out['x-forwarded-for']).toBe('203.0.113.7');
        expect(out['x-forwarded-proto']).toBe('https');
        expect(out['x-request-id']).toBe('r-1');
        for (const name of names) expect([...REQUEST_OK, ...OURS]).toContain(name);
        // No name any upstream could read as another (case, "_") beyond ours.
        expect(new Set(names.map(canonical)).size).toBe(names.length);
        for (const [name, v] of Object.entries(incoming)) {
          if (
            REQUEST_OK.includes(name) &&
            !(incoming.connection ?? '').toString().toLowerCase().includes(name)
          ) {
            expect(out[name]).toBe(Array.isArray(v) ? v.join(', ') : v);
          }
        }
      }),
      { numRuns: PURE_RUNS },
    );
  });
});

describe('callerResponseHeaders (property)', () => {
  it('never passes security, CORS, cookie or caching headers; keeps those describing the answer', () => {
    fc.assert(
      fc.property(headerSet([...RESPONSE_NEVER, ...RESPONSE_KEPT]), (raw) => {
        // Node hands the upstream's names lower-cased.
        const upstream = Object.fromEntries(
          Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]),
        );
        const out = callerResponseHeaders(upstream as IncomingHttpHeaders);
        for (const name of Object.keys(out)) {
          expect(RESPONSE_NEVER).not.toContain(canonical(name));
          expect(name).not.toMatch(/^access-control-|^content-security-policy|_/);
        }
        for (const name of RESPONSE_KEPT) {
          if (upstream[name] !== undefined) expect(out[name]).toEqual(upstream[name]);
        }
      }),
      { numRuns: PURE_RUNS },
    );
  });
});
