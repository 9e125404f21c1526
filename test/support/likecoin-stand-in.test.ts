import { decodeJwt } from 'jose';
import {
  AUTHORIZE_FAILURE_TEXT,
  expandScopes,
  LIKECOIN_ERRORS,
  startLikeCoinStandIn,
  type LikeCoinStandIn,
  type RecordedRequest,
} from './likecoin-stand-in';

const CLIENT_ID = 'bff-client';
const CLIENT_SECRET = 'bff-client-secret';
const REDIRECT_URI = 'http://127.0.0.1:3999/likecoin/callback';

let likecoin: LikeCoinStandIn;

beforeEach(async () => {
  likecoin = await startLikeCoinStandIn({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
});

afterEach(() => likecoin.close());

/** Replaces this test's stand-in with one playing the observed LikeCoin. */
async function observed(): Promise<void> {
  await likecoin.close();
  likecoin = await startLikeCoinStandIn({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
    mode: 'observed',
  });
}

function authorizeUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'profile email',
    state: 'state-123',
    ...params,
  });
  return `${likecoin.authorizeUrl}?${query}`;
}

async function authorize(params: Record<string, string> = {}): Promise<URL> {
  const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

function postToken(fields: Record<string, string>): Promise<Response> {
  return fetch(likecoin.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...fields }),
  });
}

function exchange(code: string, redirectUri = REDIRECT_URI): Promise<Response> {
  return postToken({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
}

interface TokenBody {
  user: string;
  displayName: string;
  avatar: string;
  access_token: string;
  refresh_token: string;
}

async function tokensFor(scopes = ['profile']): Promise<TokenBody> {
  const res = await exchange(likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes }));
  expect(res.status).toBe(200);
  return (await res.json()) as TokenBody;
}

async function expectRefusal(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(await res.text()).toBe(code);
}

const profile = (token: string): Promise<Response> =>
  fetch(`${likecoin.apiUrl}/users/profile`, { headers: { Authorization: `Bearer ${token}` } });

describe('authorize page', () => {
  it('approves: redirects with a code and the state, and the code buys the five fields', async () => {
    const back = await authorize();
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe('state-123');
    const code = back.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[\w-]{43}$/);

    const before = likecoin.now();
    const res = await exchange(code);
    const after = likecoin.now();
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenBody;
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'avatar', 'displayName', 'refresh_token', 'user'].sort(),
    );
    expect(body).toMatchObject({ user: 'alice-liker', displayName: 'Alice' });

    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      user: 'alice-liker',
      scope: ['profile', 'email'],
      azp: CLIENT_ID,
      iss: 'like.co',
      aud: 'like.co',
    });
    // Issued during the exchange (the clock may turn a second while it runs).
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(after);
    expect(claims.exp).toBe((claims.iat ?? 0) + 3600);
    expect(claims.jti).toEqual(expect.any(String));
    expect(likecoin.liveRefreshToken('alice-liker')).toBe(body.refresh_token);
  });

  it('signs in as nextUser', async () => {
    likecoin.nextUser = { user: 'bob-liker', displayName: 'Bob', avatar: 'https://x.example/b' };
    const body = await tokensFor();
    expect(body).toMatchObject({ user: 'bob-liker', displayName: 'Bob' });
  });

  it('denies: redirects with error=denied and the state, no code', async () => {
    likecoin.behaviour.authorize = 'deny';
    const back = await authorize();
    expect(back.searchParams.get('error')).toBe('denied');
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('refuses an unknown client or an unlisted redirect_uri without redirecting', async () => {
    const cases: Record<string, string>[] = [
      { client_id: 'someone-else' },
      { redirect_uri: 'http://evil.example/callback' },
    ];
    for (const params of cases) {
      const res = await fetch(authorizeUrl(params), { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.headers.get('location')).toBeNull();
    }
  });
});

describe('token endpoint', () => {
  it('accepts a code exactly once', async () => {
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    expect((await exchange(code)).status).toBe(200);
    await expectRefusal(await exchange(code), 400, LIKECOIN_ERRORS.invalidGrant);
  });

  it('refuses a wrong client secret, or any when told to, with INVALID_CLIENT_CRED', async () => {
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    await expectRefusal(
      await postToken({ grant_type: 'authorization_code', code, client_secret: 'wrong' }),
      400,
      LIKECOIN_ERRORS.invalidClientCred,
    );
    likecoin.behaviour.token = 'invalid_client';
    await expectRefusal(await exchange(code), 400, LIKECOIN_ERRORS.invalidClientCred);
  });

  it('refuses a redirect_uri other than the one the code was issued for', async () => {
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    await expectRefusal(
      await exchange(code, 'http://127.0.0.1:3999/other'),
      400,
      LIKECOIN_ERRORS.invalidGrant,
    );
  });

  it('refuses a code older than 10 minutes', async () => {
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    const issued = likecoin.now();
    likecoin.setClock(() => issued + 600);
    await expectRefusal(await exchange(code), 400, LIKECOIN_ERRORS.invalidGrant);
  });

  it('reads only form bodies', async () => {
    const res = await fetch(likecoin.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    await expectRefusal(res, 400, LIKECOIN_ERRORS.missingClientInfo);
  });

  it('rotates the refresh token: the old one is refused afterwards', async () => {
    const first = await tokensFor();
    const res = await postToken({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(res.status).toBe(200);
    const second = (await res.json()) as TokenBody;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(likecoin.liveRefreshToken('alice-liker')).toBe(second.refresh_token);
    expect((await profile(second.access_token)).status).toBe(200);

    await expectRefusal(
      await postToken({ grant_type: 'refresh_token', refresh_token: first.refresh_token }),
      400,
      LIKECOIN_ERRORS.invalidRefreshToken,
    );
  });

  it('refuses a revoked refresh token', async () => {
    const { refresh_token } = await tokensFor();
    likecoin.revokeRefreshTokens('alice-liker');
    expect(likecoin.liveRefreshToken('alice-liker')).toBeUndefined();
    await expectRefusal(
      await postToken({ grant_type: 'refresh_token', refresh_token }),
      400,
      LIKECOIN_ERRORS.invalidRefreshToken,
    );
  });

  it('fails with 500, or resets the connection, when told to', async () => {
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    likecoin.behaviour.token = 'server_error';
    expect((await exchange(code)).status).toBe(500);
    likecoin.behaviour.token = 'reset';
    await expect(exchange(code)).rejects.toThrow();
    // Faults are answered before the grant is looked at, so the code is still good.
    likecoin.behaviour.token = 'ok';
    expect((await exchange(code)).status).toBe(200);
  });

  it('waits tokenDelayMs before answering', async () => {
    likecoin.behaviour.tokenDelayMs = 60;
    const started = performance.now();
    await exchange('unknown');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('hangs until close(), which ends the request', async () => {
    likecoin.behaviour.token = 'hang';
    const arrived = likecoin.nextRequest('/oauth/access_token');
    const answer = exchange('whatever');
    await arrived;
    await likecoin.close();
    await expect(answer).rejects.toThrow();
  });
});

describe('API', () => {
  it('serves the profile to a fresh token with the profile scope', async () => {
    const { access_token } = await tokensFor(['profile', 'email']);
    const res = await profile(access_token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: 'alice-liker',
      displayName: 'Alice',
      avatar: 'https://static.like.co/avatar/alice-liker.png',
      email: 'alice@example.com',
    });
  });

  it('answers TOKEN_EXPIRED once the clock reaches exp', async () => {
    const { access_token } = await tokensFor();
    const exp = decodeJwt(access_token).exp ?? 0;
    likecoin.setClock(() => exp - 1);
    expect((await profile(access_token)).status).toBe(200);
    likecoin.setClock(() => exp);
    await expectRefusal(await profile(access_token), 401, LIKECOIN_ERRORS.tokenExpired);
  });

  it('answers LOGIN_NEEDED to a missing, garbage or foreign-signed token', async () => {
    const { access_token } = await tokensFor();
    const [header, payload] = access_token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const cases: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer garbage' },
      { Authorization: `Bearer ${forged}` },
      { Authorization: access_token },
    ];
    for (const headers of cases) {
      const res = await fetch(`${likecoin.apiUrl}/users/profile`, { headers });
      await expectRefusal(res, 401, LIKECOIN_ERRORS.loginNeeded);
    }
  });

  it('answers INSUFFICIENT_PERMISSION without the profile scope', async () => {
    const { access_token } = await tokensFor(['read:like']);
    await expectRefusal(await profile(access_token), 403, LIKECOIN_ERRORS.insufficientPermission);
  });

  it('echoes what it received, as received', async () => {
    const { access_token } = await tokensFor();
    const res = await fetch(`${likecoin.apiUrl}/echo/a%2Fb/c?x=1&y=%20`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${access_token}`, 'X-Test': 'yes' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      method: 'PUT',
      path: '/api/echo/a%2Fb/c',
      query: 'x=1&y=%20',
      headers: { 'x-test': 'yes' },
      bodyLength: 5,
      user: 'alice-liker',
    });
  });

  it('streams N bytes, and serves a redirect and a Set-Cookie', async () => {
    const { access_token } = await tokensFor();
    const big = await fetch(`${likecoin.apiUrl}/big?bytes=200000`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(big.status).toBe(200);
    expect((await big.arrayBuffer()).byteLength).toBe(200000);
    expect((await fetch(`${likecoin.apiUrl}/big?bytes=10`)).status).toBe(401);

    const redirect = await fetch(`${likecoin.apiUrl}/redirect`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('http://evil.example/x');
    const cookie = await fetch(`${likecoin.apiUrl}/set-cookie`);
    expect(cookie.headers.get('set-cookie')).toMatch(/^likecoin_upstream=/);
  });

  it('fails with 500, or hangs until close(), when told to', async () => {
    const { access_token } = await tokensFor();
    likecoin.behaviour.api = 'server_error';
    expect((await profile(access_token)).status).toBe(500);
    likecoin.behaviour.api = 'hang';
    const arrived = likecoin.nextRequest('/api/users/profile');
    const answer = profile(access_token);
    await arrived;
    await likecoin.close();
    await expect(answer).rejects.toThrow();
  });
});

describe('bookkeeping', () => {
  it('records, counts and announces every request', async () => {
    const seen: RecordedRequest[] = [];
    likecoin.events.on('request', (record: RecordedRequest) => seen.push(record));
    const code = likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    await exchange(code);
    await exchange(code);
    await fetch(authorizeUrl({ code_challenge: 'abc' }), { redirect: 'manual' });

    expect(likecoin.count('/oauth/access_token')).toBe(2);
    expect(likecoin.count('/in/oauth')).toBe(1);
    expect(seen).toEqual(likecoin.requests);
    const [first] = likecoin.requests;
    expect(first).toMatchObject({ method: 'POST', path: '/oauth/access_token' });
    expect(new URLSearchParams(first?.body).get('code')).toBe(code);
    expect(first?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(likecoin.requests[2]?.path).toContain('code_challenge=abc');
  });
});

describe('the observed LikeCoin (mode: observed)', () => {
  beforeEach(observed);

  const refresh = (refreshToken: string) =>
    postToken({ grant_type: 'refresh_token', refresh_token: refreshToken });

  it('answers a refresh with the access token alone and keeps the refresh token', async () => {
    const first = await tokensFor();
    const res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['access_token']);
    expect(body.access_token).not.toBe(first.access_token);
    expect(decodeJwt(body.access_token!)).toMatchObject({
      user: 'alice-liker',
      scope: ['profile'],
    });
    expect(likecoin.liveRefreshToken('alice-liker')).toBe(first.refresh_token);
    // Not rotated: the same refresh token works again.
    expect((await refresh(first.refresh_token)).status).toBe(200);
    // A code exchange still issues a new one and kills the old.
    const second = await tokensFor();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expectRefusal(await refresh(first.refresh_token), 403, 'INVALID_REFRESH_TOKEN');
  });

  it.each([400, 401, 403, 404])(
    'refuses a dead refresh token or code with the configured status %i, as text',
    async (status) => {
      likecoin.behaviour.refusal = { status, body: 'text' };
      const { refresh_token } = await tokensFor();
      likecoin.revokeRefreshTokens('alice-liker');
      await expectRefusal(await refresh(refresh_token), status, 'INVALID_REFRESH_TOKEN');
      await expectRefusal(await exchange('made-up-code'), status, 'INVALID_GRANT');
    },
  );

  it('refuses as RFC 6749 JSON or as an HTML page when told to', async () => {
    likecoin.behaviour.refusal = { status: 400, body: 'json' };
    const json = await exchange('made-up-code');
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ error: 'invalid_grant' });
    likecoin.behaviour.refusal = { status: 404, body: 'html' };
    const html = await exchange('made-up-code');
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('INVALID_GRANT');
  });

  it('reads the token request from a form, a JSON body or the query string', async () => {
    const fields = (code: string) => ({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
    });
    const code = () => likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] });
    const asJson = await fetch(likecoin.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fields(code())),
    });
    expect(asJson.status).toBe(200);
    const asQuery = await fetch(`${likecoin.tokenUrl}?${new URLSearchParams(fields(code()))}`, {
      method: 'POST',
    });
    expect(asQuery.status).toBe(200);
    expect((await exchange(code())).status).toBe(200);
    // Still nothing without the client's credentials, wherever they were looked for.
    const bare = await fetch(likecoin.tokenUrl, { method: 'POST', body: 'not json' });
    await expectRefusal(bare, 400, LIKECOIN_ERRORS.missingClientInfo);
  });

  it('grants profile and read:X write:X for a bare X on its consent page; the token says so', async () => {
    const back = await authorize({ scope: 'like email' });
    const res = await exchange(back.searchParams.get('code') ?? '');
    const { access_token } = (await res.json()) as TokenBody;
    expect(decodeJwt(access_token).scope).toEqual(['read:like', 'write:like', 'email', 'profile']);
    expect(expandScopes(['profile', 'read:like.info'])).toEqual(['profile', 'read:like.info']);
  });

  it('answers API refusals as text/html: 401 LOGIN_NEEDED / TOKEN_EXPIRED, 403 INSUFFICIENT_PERMISSION', async () => {
    const html = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe(code);
    };
    await html(await profile('garbage'), 401, LIKECOIN_ERRORS.loginNeeded);
    const { access_token } = await tokensFor(['email']);
    const likeInfo = () =>
      fetch(`${likecoin.apiUrl}/like/info`, {
        headers: { Authorization: `Bearer ${access_token}` },
      });
    await html(await likeInfo(), 403, LIKECOIN_ERRORS.insufficientPermission);
    likecoin.setClock(() => (decodeJwt(access_token).exp ?? 0) + 1);
    await html(await profile(access_token), 401, LIKECOIN_ERRORS.tokenExpired);
  });

  it('sends the browser back with error=<text> and no state when its own API fails', async () => {
    likecoin.behaviour.authorize = 'fail';
    const back = await authorize();
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get('error')).toBe(AUTHORIZE_FAILURE_TEXT);
    expect(back.searchParams.has('state')).toBe(false);
    expect(back.searchParams.has('code')).toBe(false);
  });
});

describe('answer and refusal knobs (either mode)', () => {
  it('canned: every token request gets the canned answer', async () => {
    likecoin.behaviour.token = 'canned';
    likecoin.behaviour.canned = {
      status: 401,
      contentType: 'application/json',
      body: '{"error":"unauthorized_client"}',
    };
    const res = await exchange(
      likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes: ['profile'] }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'unauthorized_client' });
  });

  it('shapeAnswer rewrites success answers, with tokens minted like the real ones', async () => {
    const seen: string[] = [];
    likecoin.behaviour.shapeAnswer = async (answer, { grantType, user, scopes }) => {
      seen.push(`${grantType}:${user}:${scopes.join(' ')}`);
      return grantType === 'refresh_token'
        ? 'not json'
        : { access_token: await likecoin.mintAccessToken(undefined, scopes, { exp: false }) };
    };
    const body = await tokensFor();
    expect(Object.keys(body)).toEqual(['access_token']);
    const claims = decodeJwt(body.access_token);
    expect(claims.user).toBeUndefined();
    expect(claims.exp).toBeUndefined();
    expect(claims.iat).toEqual(expect.any(Number));
    // No user claim: the API does not take it.
    await expectRefusal(await profile(body.access_token), 401, LIKECOIN_ERRORS.loginNeeded);
    const refreshed = await postToken({
      grant_type: 'refresh_token',
      refresh_token: likecoin.liveRefreshToken('alice-liker') ?? '',
    });
    expect(await refreshed.text()).toBe('not json');
    expect(seen).toEqual([
      'authorization_code:alice-liker:profile',
      'refresh_token:alice-liker:profile',
    ]);
  });

  it('mintAccessToken: a token the API takes, with or without iat', async () => {
    const token = await likecoin.mintAccessToken('alice-liker', ['profile'], { iat: false });
    expect(decodeJwt(token).iat).toBeUndefined();
    expect((await profile(token)).status).toBe(200);
  });
});
