import {
  isAllowedPath,
  readEncodedSlashes,
  splitTarget,
  upstreamUrl,
} from '../../src/proxy/upstream-url';

const BASE = new URL('https://api.like.co/v1');
const build = (rest: string, query = '') => upstreamUrl(BASE, rest, query).href;

describe('upstreamUrl', () => {
  it.each([
    ['/users/profile', '', 'https://api.like.co/v1/users/profile'],
    ['/users/profile', '?a=1&b=%20x', 'https://api.like.co/v1/users/profile?a=1&b=%20x'],
    ['/a%20b/c', '', 'https://api.like.co/v1/a%20b/c'],
    ['/', '', 'https://api.like.co/v1/'],
    ['/file.json', '', 'https://api.like.co/v1/file.json'],
    ['/...', '', 'https://api.like.co/v1/...'],
    ['/100%25', '', 'https://api.like.co/v1/100%25'],
    ['/a%2541', '', 'https://api.like.co/v1/a%2541'],
    ['/x', '?a=1;b=2', 'https://api.like.co/v1/x?a=1;b=2'],
  ])('maps %s%s under the base', (rest, query, expected) => {
    expect(build(rest, query)).toBe(expected);
  });

  it.each([
    ['/../x'],
    ['/a/../../x'],
    ['/..'],
    ['/./x'],
    ['/%2e%2e/x'],
    ['/%2E%2E/x'],
    ['/.%2e/x'],
    ['/%2e./x'],
    ['/%2e%2e%2fx'],
    ['/a%2Fb'],
    ['/a%2fb'],
    ['/..%5cx'],
    ['/a%5Cb'],
    ['/a\\b'],
    ['//evil.example/x'],
    ['/a//b'],
    ['/a%00b'],
    ['/a%0d%0aSet-Cookie:x'],
    ['/a\u0001b'],
    [''],
    ['x'],
    [`/${'a'.repeat(9000)}`],
    ['/users;jsessionid=x/profile'],
    ['/users/profile;'],
    ['/admin;/x'],
    ['/users%3bx'],
    ['/users%3Bx'],
    ['/%252e%252e/admin'],
    ['/a%252fb'],
    ['/a%252Fb'],
    ['/a%255cb'],
    ['/%252E./x'],
  ])('refuses %p with 400 invalid_path', (rest) => {
    expect(() => build(rest)).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_path' }),
    );
  });

  it('refuses control characters in the query', () => {
    expect(() => build('/x', '?a=%0d%0a')).toThrow(
      expect.objectContaining({ code: 'invalid_path' }),
    );
  });
});

describe('splitTarget', () => {
  it('separates the path after the prefix from the query', () => {
    expect(splitTarget('/likecoin/api/users/profile?x=1', '/likecoin/api')).toEqual({
      rest: '/users/profile',
      query: '?x=1',
    });
    expect(splitTarget('/likecoin/api', '/likecoin/api')).toEqual({ rest: '', query: '' });
  });
});

describe('readEncodedSlashes', () => {
  it.each([
    ['/users%2Fprofile', '/users/profile'],
    ['/applications%2fabc%2Fprofile%2F', '/applications/abc/profile/'],
    ['/a%20b%2Fc', '/a%20b/c'],
    ['/%252F', '/%252F'],
    ['/a%5Cb', '/a%5Cb'],
    ['/%2e', '/%2e'],
  ])('reads %s as %s', (sent, read) => {
    expect(readEncodedSlashes(sent)).toBe(read);
  });

  it.each([
    ['/users%2F..%2F..%2Fadmin'],
    ['/%2e%2e%2fx'],
    ['/.%2F'],
    ['/a%2F%2Fevil.example'],
    ['%2Fevil.example'],
    ['/a%252Fb'],
    ['/a%2F%5Cb'],
  ])('leaves %p as refused as its plain spelling', (sent) => {
    expect(() => build(readEncodedSlashes(sent))).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_path' }),
    );
  });

  it('lets the allowlist judge the path the upstream gets', () => {
    expect(isAllowedPath(readEncodedSlashes('/users%2Fprofile'), ['/users'])).toBe(true);
    expect(isAllowedPath(readEncodedSlashes('/users-admin%2Fx'), ['/users'])).toBe(false);
  });
});
