import { sign } from 'cookie-signature';
import type { IncomingHttpHeaders } from 'node:http';
import { isSignedBy, readCredential, unverifiedSessionId } from '../../src/session/read-credential';
import type { Credential } from '../../src/session/session-data';

const COOKIE = 'tbff.sid';

describe('readCredential', () => {
  it.each<[string, IncomingHttpHeaders, Credential]>([
    ['no headers', {}, { carrier: 'none' }],
    [
      'a Bearer token',
      { authorization: 'Bearer sid.sig' },
      { carrier: 'bearer', signedId: 'sid.sig' },
    ],
    [
      'the scheme in any case',
      { authorization: 'bEaReR sid.sig' },
      { carrier: 'bearer', signedId: 'sid.sig' },
    ],
    [
      'several spaces and trailing spaces',
      { authorization: 'Bearer   sid.sig  ' },
      { carrier: 'bearer', signedId: 'sid.sig' },
    ],
    [
      'token68 characters',
      { authorization: 'Bearer a-b_c~d+e/f=.g' },
      { carrier: 'bearer', signedId: 'a-b_c~d+e/f=.g' },
    ],
    [
      'a Bearer scheme with no token',
      { authorization: 'Bearer ' },
      { carrier: 'bearer', signedId: '' },
    ],
    ['two tokens', { authorization: 'Bearer a.b c.d' }, { carrier: 'bearer', signedId: '' }],
    ['a comma', { authorization: 'Bearer a.b,c.d' }, { carrier: 'bearer', signedId: '' }],
    ['a quoted token', { authorization: 'Bearer "a.b"' }, { carrier: 'bearer', signedId: '' }],
    [
      'a Bearer token wins over a cookie',
      { authorization: 'Bearer from.header', cookie: `${COOKIE}=s%3Afrom.cookie` },
      { carrier: 'bearer', signedId: 'from.header' },
    ],
    [
      'a malformed Bearer still wins over a cookie',
      { authorization: 'Bearer a b', cookie: `${COOKIE}=s%3Afrom.cookie` },
      { carrier: 'bearer', signedId: '' },
    ],
    [
      'another scheme falls back to the cookie',
      { authorization: 'Basic eDp5', cookie: `${COOKIE}=s%3Afrom.cookie` },
      { carrier: 'cookie', signedId: 'from.cookie' },
    ],
    [
      '"Bearer" without its space is not Bearer',
      { authorization: 'Bearerabc.def', cookie: `${COOKIE}=s%3Afrom.cookie` },
      { carrier: 'cookie', signedId: 'from.cookie' },
    ],
    ['another scheme and no cookie', { authorization: 'Basic eDp5' }, { carrier: 'none' }],
    [
      'the cookie as express-session writes it (URI-encoded)',
      { cookie: `${COOKIE}=s%3Asid.sig` },
      { carrier: 'cookie', signedId: 'sid.sig' },
    ],
    [
      'the cookie unencoded',
      { cookie: `${COOKIE}=s:sid.sig` },
      { carrier: 'cookie', signedId: 'sid.sig' },
    ],
    [
      'a cookie without the s: mark',
      { cookie: `${COOKIE}=sid.sig` },
      { carrier: 'cookie', signedId: '' },
    ],
    ['an empty cookie', { cookie: `${COOKIE}=` }, { carrier: 'cookie', signedId: '' }],
    [
      'among other cookies',
      { cookie: `theme=dark; ${COOKIE}=s%3Asid.sig; lang=en` },
      { carrier: 'cookie', signedId: 'sid.sig' },
    ],
    ['other cookies only', { cookie: 'theme=dark; lang=s%3Aen' }, { carrier: 'none' }],
    [
      'the name as part of another cookie name only',
      { cookie: `x${COOKIE}=s%3Aother.sig; ${COOKIE}2=s%3Aother.sig` },
      { carrier: 'none' },
    ],
    [
      'the name as part of another cookie name, and the cookie itself',
      { cookie: `x${COOKIE}=s%3Aother.sig; ${COOKIE}=s%3Asid.sig` },
      { carrier: 'cookie', signedId: 'sid.sig' },
    ],
    ['the name in another cookie value only', { cookie: `ref=${COOKIE}` }, { carrier: 'none' }],
  ])('%s', (_name, headers, credential) => {
    expect(readCredential(headers, COOKIE)).toEqual(credential);
  });
});

describe('isSignedBy', () => {
  const secrets = ['current-secret', 'previous-secret', 'oldest-secret'];

  it.each<[string, string, boolean]>([
    ['signed with the current secret', sign('sid-1', 'current-secret'), true],
    ['signed with a previous secret (rotation)', sign('sid-1', 'previous-secret'), true],
    ['signed with the oldest secret', sign('sid-1', 'oldest-secret'), true],
    ['signed with a foreign secret', sign('sid-1', 'someone-elses'), false],
    [
      'the id changed after signing',
      sign('sid-1', 'current-secret').replace('sid-1', 'sid-2'),
      false,
    ],
    ['the signature changed', `${sign('sid-1', 'current-secret').slice(0, -2)}xx`, false],
    ['the signature cut off', sign('sid-1', 'current-secret').split('.')[0]!, false],
    ['only an id and a dot', 'sid-1.', false],
    ['empty', '', false],
  ])('%s ⇒ %s', (_name, signedId, expected) => {
    expect(isSignedBy(signedId, secrets)).toBe(expected);
  });

  it('is false with no secrets', () => {
    expect(isSignedBy(sign('sid-1', 'current-secret'), [])).toBe(false);
  });

  it('reads what readCredential found in a real cookie', () => {
    const cookie = `${COOKIE}=${encodeURIComponent(`s:${sign('sid-9', 'previous-secret')}`)}`;
    const credential = readCredential({ cookie }, COOKIE);
    expect(credential.carrier).toBe('cookie');
    const signedId = credential.carrier === 'none' ? '' : credential.signedId;
    expect(isSignedBy(signedId, secrets)).toBe(true);
    expect(unverifiedSessionId(signedId)).toBe('sid-9');
  });
});

describe('unverifiedSessionId', () => {
  it.each<[string, string]>([
    [sign('abc', 'k'), 'abc'],
    [sign('a.b.c', 'k'), 'a.b.c'],
    ['sid.forged', 'sid'],
    ['.sig', ''],
    ['', ''],
  ])('%s ⇒ %s', (signedId, sid) => {
    expect(unverifiedSessionId(signedId)).toBe(sid);
  });
});
