import { parseReturnTo, withParam } from '../../src/oauth/parse-return-to';

const BASE = new URL('https://bff.example');
const ALLOWED = ['https://allowed.example', 'https://bff.example', 'myapp://auth'];
const parse = (raw: unknown) => parseReturnTo(raw, ALLOWED, BASE).href;

describe('parseReturnTo', () => {
  it.each([
    [
      'any path on an allowed origin',
      'https://allowed.example/after/login?x=1',
      'https://allowed.example/after/login?x=1',
    ],
    ['a path on our own origin', '/account', 'https://bff.example/account'],
    ['an exact app URL', 'myapp://auth', 'myapp://auth'],
    ['nothing (the flow returns to PUBLIC_BASE_URL)', undefined, 'https://bff.example/'],
    [
      'a tab, percent-encoded, stays a harmless path',
      '/%09/evil.example',
      'https://bff.example/%09/evil.example',
    ],
  ])('accepts %s', (_label, raw, expected) => {
    expect(parse(raw)).toBe(expected);
  });

  it.each([
    ['a scheme-relative URL', '//evil.example'],
    ['a backslash trick', '/\\evil.example'],
    ['a scheme without slashes', 'https:evil.example'],
    ['javascript:', 'javascript:alert(1)'],
    ['a look-alike host', 'https://allowed.example.evil.example'],
    ['credentials before the host', 'https://allowed.example@evil.example'],
    ['a 10 KB URL', `https://allowed.example/${'a'.repeat(10 * 1024)}`],
    ['a raw tab (browsers drop it)', '/\t/evil.example'],
    ['a raw newline', 'https://allowed.example/\nx'],
    ['http where https is allowed', 'http://allowed.example/'],
    ['another port', 'https://allowed.example:8443/'],
    ['an app URL with more on it', 'myapp://auth/extra'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a non-string', ['https://allowed.example']],
    ['unicode look-alikes', 'https://аllowed.example/'],
  ])('refuses %s with 400 invalid_return_to', (_label, raw) => {
    expect(() => parse(raw)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_return_to' }),
    );
  });
});

describe('withParam', () => {
  it('adds a parameter, keeping the query the page had', () => {
    expect(withParam('https://a.example/p?x=1', 'error', 'access_denied')).toBe(
      'https://a.example/p?x=1&error=access_denied',
    );
    expect(withParam('myapp://auth', 'result', 'abc')).toBe('myapp://auth?result=abc');
  });
});
