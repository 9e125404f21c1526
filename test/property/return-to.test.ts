import fc from 'fast-check';
import { parseReturnTo } from '../../src/oauth/parse-return-to';
import { PURE_RUNS, useSeed } from './seed';

useSeed();

const BASE = new URL('https://bff.example');
const WEB_ORIGINS = ['https://allowed.example', 'https://bff.example'];
const EXACT = ['myapp://auth'];
const ALLOWED = [...WEB_ORIGINS, ...EXACT];

/** The parser's answer: the URL it accepted, or undefined if it refused (with the 400 we expect). */
function outcome(raw: string): URL | undefined {
  try {
    return parseReturnTo(raw, ALLOWED, BASE);
  } catch (err) {
    expect(err).toMatchObject({ status: 400, code: 'invalid_return_to' });
    return undefined;
  }
}

// Pieces that sit around the allowed origins: look-alikes, userinfo, ports, schemes, slashes and
// backslashes, encodings, whitespace and controls browsers strip.
const piece = fc.constantFrom(
  'https://allowed.example',
  'http://allowed.example',
  'https://allowed.example.evil.example',
  'https://evil.example',
  'https://bff.example',
  'myapp://auth',
  'myapp://auth/x',
  'javascript:',
  'https:',
  '//',
  '/',
  '\\',
  '@',
  '@evil.example',
  'user:pass@',
  ':443',
  ':8443',
  '%2f',
  '%5c',
  '%09',
  '%00',
  '.',
  '..',
  '?next=',
  '#',
  'evil.example',
  '\t',
  '\n',
  ' ',
  '\u3002',
  'é',
);
const nearAllowed = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
const safePath = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), { maxLength: 4 })
  .map((segments) => `/${segments.join('/')}`);

describe('parseReturnTo (property)', () => {
  it('never accepts anything outside the allowed origins and exact URLs', () => {
    fc.assert(
      fc.property(fc.oneof(nearAllowed, fc.string(), fc.webUrl()), (raw) => {
        const url = outcome(raw);
        if (url === undefined) return;
        const web = url.protocol === 'https:' || url.protocol === 'http:';
        expect(web ? WEB_ORIGINS.includes(url.origin) : EXACT.includes(url.href)).toBe(true);
        expect(url.username + url.password).toBe('');
        // A browser on our origin reads the raw value the same way: no reinterpretation.
        expect(new URL(raw, BASE).href).toBe(url.href);
      }),
      { numRuns: PURE_RUNS },
    );
  });

  it('refuses anything with a character outside printable ASCII', () => {
    const odd = fc.constantFrom('\t', '\n', '\r', ' ', '\u0000', '\u007f', 'é', '\u2028');
    fc.assert(
      fc.property(nearAllowed, odd, fc.nat(), (raw, c, at) => {
        const i = at % (raw.length + 1);
        expect(outcome(raw.slice(0, i) + c + raw.slice(i))).toBeUndefined();
      }),
      { numRuns: PURE_RUNS },
    );
  });

  it('accepts any plain path on an allowed origin, and on our own origin as a relative path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WEB_ORIGINS, ''), safePath, (origin, path) => {
        const raw = origin + path;
        expect(outcome(raw)?.href).toBe(new URL(raw, BASE).href);
      }),
      { numRuns: PURE_RUNS },
    );
  });
});
