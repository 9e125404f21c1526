import fc from 'fast-check';
import { readEncodedSlashes, upstreamUrl } from '../../src/proxy/upstream-url';
import { PURE_RUNS, useSeed } from './seed';

useSeed();

const BASE = new URL('https://api.like.co/v1');

const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e',
    '%2E%2e',
    '.%2e',
    '%2f',
    '%2F',
    '%5c',
    '\\',
    '%252e%252e',
    '%252f',
    '%255C',
    '%25',
    '%3b',
    ';',
    'a;b=c',
    '%00',
    '%0d%0a',
    '@evil.example',
    'evil.example:443',
    'http:',
    '',
    '%',
    '%zz',
    '%E2%80%A8',
  ),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,10}$/),
);
const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/${s.join('/')}`);
const decodeOnce = (s: string) =>
  s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

function outcome(rest: string): URL | undefined {
  try {
    return upstreamUrl(BASE, rest, '');
  } catch (err) {
    expect(err).toMatchObject({ status: 400, code: 'invalid_path' });
    return undefined;
  }
}

describe('upstreamUrl (property)', () => {
  it.each([
    ['as sent', (rest: string) => rest],
    ["with %2F read as '/' first (as the proxy reads it)", readEncodedSlashes],
  ])('never leaves the base, even after one or two more rounds of decoding: %s', (_, read) => {
    fc.assert(
      fc.property(path, (rest) => {
        const url = outcome(read(rest));
        if (url === undefined) return;
        expect(url.origin).toBe(BASE.origin);
        expect(url.pathname.startsWith(`${BASE.pathname}/`)).toBe(true);
        const after = url.pathname.slice(BASE.pathname.length);
        for (const view of [after, decodeOnce(after), decodeOnce(decodeOnce(after))]) {
          const segments = view.split('/').slice(1);
          expect(segments.filter((s) => s === '.' || s === '..')).toEqual([]);
          // eslint-disable-next-line no-control-regex -- control characters are what it looks for
          expect(view).not.toMatch(/\\|;|\/\/|[\u0000-\u001f\u007f]/);
        }
      }),
      { numRuns: PURE_RUNS },
    );
  });

  it('refuses every dot segment, path parameter or double encoding, however spelt', () => {
    const bad = fc.constantFrom(
      '..',
      '.',
      '%2e%2E',
      '.%2e',
      ';',
      '%3B',
      'x;y',
      '%252e',
      '%252F',
      '%255c',
    );
    fc.assert(
      fc.property(path, bad, fc.nat(), (rest, b, at) => {
        const segments = rest.split('/');
        segments.splice(1 + (at % segments.length), 0, b);
        expect(outcome(segments.join('/'))).toBeUndefined();
      }),
      { numRuns: PURE_RUNS },
    );
  });

  it('passes plain paths exactly', () => {
    const plain = fc
      .array(fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,9}$/), {
        minLength: 1,
        maxLength: 6,
      })
      .map((s) => `/${s.join('/')}`)
      .filter((p) => !p.split('/').some((s) => s === '.' || s === '..'));
    fc.assert(
      fc.property(plain, (rest) => {
        expect(outcome(rest)?.href).toBe(`${BASE.href}${rest}`);
      }),
      { numRuns: PURE_RUNS },
    );
  });
});
