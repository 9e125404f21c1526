import { UnsecuredJWT } from 'jose';
import type { LikeCoinConfig } from '../../src/config';
import { likeCoinErrorCode, likeCoinProvider } from '../../src/likecoin/likecoin-provider';
import type { GrantedTokens } from '../../src/oauth/provider';

const NOW = Date.UTC(2030, 0, 1);
const HOUR = 3600_000;
const CREDENTIALS = { clientId: 'bff-client', clientSecret: 'bff-secret' };
const config: LikeCoinConfig = {
  credentials: CREDENTIALS,
  redirectUri: new URL('https://bff.example/likecoin/callback'),
  scopes: ['profile', 'email'],
  authorizeUrl: new URL('https://like.co/in/oauth'),
  tokenUrl: new URL('https://api.like.co/oauth/access_token'),
  apiUrl: new URL('https://api.like.co'),
  apiPaths: ['/'],
  pkce: false,
  stateTtlSeconds: 600,
  timeoutMs: 200,
};
const likecoin = likeCoinProvider(config, CREDENTIALS);

/** An access token shaped like LikeCoin's, with the claims a test wants (not signed). */
const jwt = (claims: Record<string, unknown>) => new UnsecuredJWT(claims).encode();

const asked = ['profile', 'asked'];
const body = (fields: Record<string, unknown>) =>
  JSON.stringify({ user: 'u1', access_token: 'opaque', refresh_token: 'r1', ...fields });
const exchange = (text: string) =>
  likecoin.parseExchangeAnswer(text, { askedScopes: asked, requestedAt: NOW });

const STORED: GrantedTokens = {
  subject: 'u1',
  displayName: 'U',
  avatar: 'https://a/u.png',
  accessToken: 'old',
  refreshToken: 'r0',
  scopes: ['profile', 'stored'],
  expiresAt: NOW,
  issuedAt: NOW - HOUR,
  requestedAt: NOW - HOUR,
};
const refresh = (text: string) =>
  likecoin.parseRefreshAnswer(text, { stored: STORED, requestedAt: NOW });

describe("LikeCoin's code-exchange answer", () => {
  const exp = 1_900_000_000;
  it.each<[string, string, Partial<GrantedTokens> | undefined]>([
    [
      'the minimal answer (opaque token: one hour from the request, the asked scopes)',
      body({}),
      {
        subject: 'u1',
        displayName: '',
        avatar: '',
        accessToken: 'opaque',
        refreshToken: 'r1',
        scopes: asked,
        expiresAt: NOW + HOUR,
        issuedAt: NOW,
        requestedAt: NOW,
      },
    ],
    [
      'displayName and avatar null',
      body({ displayName: null, avatar: null }),
      { displayName: '', avatar: '' },
    ],
    [
      'unknown fields are ignored',
      body({ token_type: 'Bearer', extra: { a: 1 } }),
      { subject: 'u1' },
    ],
    [
      'JWT exp and iat',
      body({ access_token: jwt({ exp, iat: exp - 3600 }) }),
      { expiresAt: exp * 1000, issuedAt: (exp - 3600) * 1000, scopes: asked },
    ],
    [
      'JWT exp and iat not numbers',
      body({ access_token: jwt({ exp: String(exp), iat: 'now' }) }),
      { expiresAt: NOW + HOUR, issuedAt: NOW },
    ],
    ['JWT scope array', body({ access_token: jwt({ scope: ['a', 'b'] }) }), { scopes: ['a', 'b'] }],
    [
      'JWT scope array with non-strings',
      body({ access_token: jwt({ scope: ['a', 7, null, 'b'] }) }),
      { scopes: ['a', 'b'] },
    ],
    ['JWT scope string', body({ access_token: jwt({ scope: 'a  b' }) }), { scopes: ['a', 'b'] }],
    [
      'JWT scope wins over the body scope',
      body({ scope: ['body'], access_token: jwt({ scope: ['jwt'] }) }),
      { scopes: ['jwt'] },
    ],
    [
      'JWT without scope: the body scope array',
      body({ scope: ['x', 'y'], access_token: jwt({ exp }) }),
      { scopes: ['x', 'y'] },
    ],
    ['no JWT: the body scope string', body({ scope: 'x y' }), { scopes: ['x', 'y'] }],
    ['an empty body scope string', body({ scope: '' }), { scopes: [] }],
    ['body scope null: the asked ones', body({ scope: null }), { scopes: asked }],
    [
      'no user: the Liker ID from the JWT',
      body({ user: undefined, access_token: jwt({ user: 'u9' }) }),
      { subject: 'u9' },
    ],
    [
      'user and JWT agree',
      body({ user: 'u9', access_token: jwt({ user: 'u9' }) }),
      { subject: 'u9' },
    ],
    [
      'the access token alone (subject in the JWT)',
      JSON.stringify({ access_token: jwt({ user: 'u9' }) }),
      { subject: 'u9', refreshToken: '', displayName: '' },
    ],
    ['an empty refresh token is none', body({ refresh_token: '' }), { refreshToken: '' }],
    [
      'a JWT-looking token that is not one',
      body({ access_token: 'a.b.c' }),
      { expiresAt: NOW + HOUR, scopes: asked },
    ],
    ['not JSON', 'user=u1', undefined],
    ['an empty JSON object', '{}', undefined],
    ['a JSON string', '"u1"', undefined],
    ['no user anywhere', body({ user: undefined }), undefined],
    ['user and JWT disagree', body({ user: 'u1', access_token: jwt({ user: 'u2' }) }), undefined],
    ['an empty user', body({ user: '' }), undefined],
    ['a numeric user', body({ user: 42 }), undefined],
    ['a user over 255 characters', body({ user: 'u'.repeat(256) }), undefined],
    ['a user with a control character', body({ user: 'u1\r\nx' }), undefined],
    [
      'a JWT user with a lone surrogate',
      body({ user: null, access_token: jwt({ user: 'u\udc00' }) }),
      undefined,
    ],
    ['an empty access token', body({ access_token: '' }), undefined],
    ['an access token over 16 KiB', body({ access_token: 'a'.repeat(16 * 1024 + 1) }), undefined],
    ['a refresh token over 16 KiB', body({ refresh_token: 'r'.repeat(16 * 1024 + 1) }), undefined],
    ['a displayName over 1 KiB', body({ displayName: 'd'.repeat(1025) }), undefined],
    ['an avatar over 4 KiB', body({ avatar: 'a'.repeat(4097) }), undefined],
    ['a numeric scope', body({ scope: 3 }), undefined],
    ['a displayName that is no string', body({ displayName: 5 }), undefined],
  ])('%s', (_name, text, expected) => {
    const parsed = exchange(text);
    if (expected === undefined) expect(parsed).toEqual({ failure: 'unusable' });
    else expect(parsed).toMatchObject({ tokens: expected });
  });
});

describe("LikeCoin's refresh answer", () => {
  it.each<[string, string, Partial<GrantedTokens> | 'unusable' | 'subject_changed']>([
    [
      'the access token alone: everything else as stored',
      JSON.stringify({ access_token: 'opaque' }),
      { ...STORED, accessToken: 'opaque', expiresAt: NOW + HOUR, issuedAt: NOW, requestedAt: NOW },
    ],
    [
      'the JWT names the same Liker; its scopes are the granted ones',
      JSON.stringify({ access_token: jwt({ user: 'u1', scope: ['profile', 'read:like'] }) }),
      { subject: 'u1', scopes: ['profile', 'read:like'], refreshToken: 'r0' },
    ],
    [
      'all five fields, the same Liker',
      body({ displayName: 'New', avatar: 'https://a/new.png', refresh_token: 'r2' }),
      { displayName: 'New', avatar: 'https://a/new.png', refreshToken: 'r2' },
    ],
    [
      'null fields keep their values',
      body({ displayName: null, refresh_token: null }),
      { displayName: 'U', refreshToken: 'r0' },
    ],
    ['another Liker in user', body({ user: 'mallory' }), 'subject_changed'],
    [
      'another Liker in the JWT',
      JSON.stringify({ access_token: jwt({ user: 'mallory' }) }),
      'subject_changed',
    ],
    ['no access token', JSON.stringify({ user: 'u1', refresh_token: 'r2' }), 'unusable'],
    ['not JSON', '<html>OK</html>', 'unusable'],
    ['an access token over 16 KiB', body({ access_token: 'a'.repeat(16 * 1024 + 1) }), 'unusable'],
  ])('%s', (_name, text, expected) => {
    const parsed = refresh(text);
    if (typeof expected === 'string') expect(parsed).toEqual({ failure: expected });
    else expect(parsed).toMatchObject({ tokens: expected });
  });
});

describe('the error code of a LikeCoin refusal', () => {
  it.each<[string, string, string | undefined]>([
    ['a text/plain code', 'INVALID_CLIENT_CRED', 'INVALID_CLIENT_CRED'],
    ['a code and a newline', 'INVALID_GRANT\n', 'INVALID_GRANT'],
    ['RFC 6749 JSON', '{"error":"invalid_client","error_description":"x"}', 'invalid_client'],
    ['JSON whose error is no code', '{"error":"a b"}', undefined],
    ['JSON whose error is no string', '{"error":{"code":1}}', undefined],
    ['an empty JSON object', '{}', undefined],
    ['broken JSON', '{"error":', undefined],
    ['an HTML page', '<html><body>INVALID_CLIENT_CRED</body></html>', undefined],
    ['a log-injection attempt', 'BAD\r\nlevel=error', undefined],
    ['a code too long to be one', 'X'.repeat(65), undefined],
    ['nothing', '', undefined],
  ])('%s', (_name, text, code) => {
    expect(likeCoinErrorCode(text)).toBe(code);
  });

  it("LikeCoin's own client codes are named for the refusal policy", () => {
    expect(likecoin.clientErrorCodes).toEqual(['MISSING_CLIENT_INFO', 'INVALID_CLIENT_CRED']);
  });
});
