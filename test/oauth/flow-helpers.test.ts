import { authorizationUrl, pkceChallenge, randomHandle } from '../../src/oauth/authorization-url';
import { parseScopes } from '../../src/oauth/parse-scopes';

describe('parseScopes', () => {
  const configured = ['profile', 'read', 'write'];
  it('asks for every configured scope by default, or a subset', () => {
    expect(parseScopes(undefined, configured)).toEqual(configured);
    expect(parseScopes('read profile read', configured)).toEqual(['read', 'profile']);
  });
  it.each([['admin'], ['profile admin'], ['   '], [['profile']]])(
    'refuses %p with 400 invalid_scope',
    (raw) => {
      expect(() => parseScopes(raw, configured)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_scope' }),
      );
    },
  );
});

describe('authorizationUrl', () => {
  const base = {
    authorizeUrl: new URL('https://like.co/in/oauth'),
    clientId: 'client & co',
    redirectUri: new URL('https://bff.example/likecoin/callback'),
    scopes: ['profile', 'read'],
    state: 'state-1',
  };
  it('carries client_id, redirect_uri, scope and state, URL-encoded', () => {
    const url = new URL(authorizationUrl(base));
    expect(url.origin + url.pathname).toBe('https://like.co/in/oauth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client & co',
      redirect_uri: 'https://bff.example/likecoin/callback',
      scope: 'profile read',
      state: 'state-1',
    });
  });
  it('adds an S256 challenge when there is a verifier (RFC 7636 appendix B)', () => {
    const url = new URL(
      authorizationUrl({ ...base, codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk' }),
    );
    expect(url.searchParams.get('code_challenge')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
  it('makes 256-bit URL-safe handles, never the same twice', () => {
    const a = randomHandle();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomHandle()).not.toBe(a);
  });
});
