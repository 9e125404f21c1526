import { pollUntil } from '../support/redis-process';
import request from 'supertest';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import { withTestApp, storedKeys } from '../support/test-app';
import {
  asLiker,
  atProvider,
  browserStarts,
  connectedWithExpiredToken,
  LIKECOIN_CLIENT_SECRET,
  pathOf,
  sessionCookieOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { behaviourOf, LIKECOIN_MODES } from '../support/likecoin-stand-in';

let s: LikeCoinSetup;
beforeAll(async () => {
  s = await startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '1000', LIKECOIN_STATE_TTL_SECONDS: '1' });
});
afterAll(() => s.close());
afterEach(() => {
  s.provider.behaviour.token = 'ok';
});

const tokenCalls = () => s.provider.count('/oauth/access_token');

async function expectInvalidState(res: request.Response, tokenCallsBefore: number) {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('invalid_state');
  await expectDocumented(res);
  expect(tokenCalls()).toBe(tokenCallsBefore);
}

describe('the callback refuses a bad state before calling LikeCoin', () => {
  it('a replayed callback', async () => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const callback = pathOf(await atProvider(authorizationUrl));
    await request(s.t.url).get(callback).set('Cookie', cookie).expect(302);
    const before = tokenCalls();
    await expectInvalidState(await request(s.t.url).get(callback).set('Cookie', cookie), before);
  });

  it('an expired state', async () => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const callback = await atProvider(authorizationUrl);
    const key = `likecoin:state:${callback.searchParams.get('state')}`;
    // The test config gives states one second; wait for the store to drop it.
    await pollUntil('the state to lapse', async () => (await s.t.redis.exists(key)) === 0, 10_000);
    const before = tokenCalls();
    await expectInvalidState(
      await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie),
      before,
    );
  });

  it.each([
    ['missing', (u: URL) => u.searchParams.delete('state')],
    ['10 KB long', (u: URL) => u.searchParams.set('state', 'a'.repeat(10 * 1024))],
    ['made up', (u: URL) => u.searchParams.set('state', 'A'.repeat(43))],
    ['given twice', (u: URL) => u.searchParams.append('state', u.searchParams.get('state')!)],
  ])('a state that is %s', async (_label, tamper) => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const callback = await atProvider(authorizationUrl);
    tamper(callback);
    const before = tokenCalls();
    await expectInvalidState(
      await request(s.t.url).get(pathOf(callback)).set('Cookie', cookie),
      before,
    );
  });

  it("another browser's state (a link the attacker started, opened by the victim)", async () => {
    const attacker = await browserStarts(s.t);
    const callback = pathOf(await atProvider(attacker.authorizationUrl));
    const victim = await login(s.t, { sub: 'victim' });
    const before = tokenCalls();
    await expectInvalidState(
      await request(s.t.url).get(callback).set('Cookie', victim.cookie),
      before,
    );
    await expectInvalidState(await request(s.t.url).get(callback), before);
    const view = await request(s.t.url).get('/session').set('Cookie', victim.cookie);
    expect(view.body.likecoin.connected).toBe(false);
  });

  it("another bearer session's result handle", async () => {
    const owner = await login(s.t, { sub: 'owner' });
    const other = await login(s.t, { sub: 'other' });
    const started = await request(s.t.url)
      .post('/likecoin/authorize')
      .set('Authorization', `Bearer ${owner.sessionToken}`)
      .send({ return_to: 'myapp://auth' });
    const back = await request(s.t.url)
      .get(pathOf(await atProvider(started.body.authorization_url)))
      .expect(302);
    const result = new URL(back.headers.location!).searchParams.get('result');
    const before = tokenCalls();
    const res = await request(s.t.url)
      .post('/likecoin/complete')
      .set('Authorization', `Bearer ${other.sessionToken}`)
      .send({ result });
    await expectInvalidState(res, before);
  });

  it('keeps at most five open flows per session, dropping the oldest', async () => {
    const { cookie, authorizationUrl: first } = await browserStarts(s.t);
    for (let i = 0; i < 6; i++)
      await request(s.t.url).get('/likecoin/authorize').set('Cookie', cookie).expect(302);
    const before = tokenCalls();
    await expectInvalidState(
      await request(s.t.url)
        .get(pathOf(await atProvider(first)))
        .set('Cookie', cookie),
      before,
    );
  });
});

describe('provider failures', () => {
  it('a hanging token endpoint: 504 provider_timeout after one POST, nothing stored', async () => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const callback = pathOf(await atProvider(authorizationUrl));
    s.provider.behaviour.token = 'hang';
    const before = tokenCalls();
    const res = await request(s.t.url).get(callback).set('Cookie', cookie);
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('provider_timeout');
    await expectDocumented(res);
    expect(tokenCalls()).toBe(before + 1);
    expect(sessionCookieOf(res)).toBeUndefined();
    // The code is spent: trying again does not send it a second time.
    s.provider.behaviour.token = 'ok';
    await expectInvalidState(
      await request(s.t.url).get(callback).set('Cookie', cookie),
      before + 1,
    );
  });

  it.each([
    ['INVALID_CLIENT_CRED', 'invalid_client' as const],
    ['a 500', 'server_error' as const],
    ['a reset connection', 'reset' as const],
  ])('%s: 502 provider_error, nothing stored, the session as it was', async (_label, behaviour) => {
    const user = await login(s.t, { sub: `linker-${behaviour}` });
    const start = await request(s.t.url).get('/likecoin/authorize').set('Cookie', user.cookie);
    const callback = pathOf(await atProvider(start.headers.location!));
    s.provider.behaviour.token = behaviour;
    const res = await request(s.t.url).get(callback).set('Cookie', user.cookie);
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('provider_error');
    await expectDocumented(res);
    if (behaviour === 'invalid_client') expect(res.body.detail).toMatch(/INVALID_CLIENT_CRED/);
    expect(sessionCookieOf(res)).toBeUndefined();
    const view = await request(s.t.url).get('/session').set('Cookie', user.cookie);
    expect(view.body.user.id).toBe(`linker-${behaviour}`);
    expect(view.body.likecoin.connected).toBe(false);
  });
});

describe('hygiene', () => {
  it('keeps no plaintext token in Redis and none in the logs', async () => {
    s.provider.nextUser = {
      user: 'private-liker',
      displayName: 'Private',
      avatar: 'https://x.example/a.png',
    };
    const user = await login(s.t, { sub: 'careful-user' });
    const start = await request(s.t.url).get('/likecoin/authorize').set('Cookie', user.cookie);
    const callback = await atProvider(start.headers.location!);
    await request(s.t.url).get(pathOf(callback)).set('Cookie', user.cookie).expect(302);
    const refreshToken = s.provider.liveRefreshToken('private-liker')!;
    expect(refreshToken).toBeDefined();

    const dump: string[] = [];
    for (const key of await storedKeys(s.t)) {
      const k = key.slice(s.t.keyPrefix.length);
      const type = await s.t.redis.type(k);
      dump.push(
        key,
        ...(type === 'list'
          ? await s.t.redis.lrange(k, 0, -1)
          : type === 'hash'
            ? Object.entries(await s.t.redis.hgetall(k)).flat()
            : [(await s.t.redis.get(k)) ?? '']),
      );
    }
    const everything = dump.join('\n');
    expect(everything).toContain('careful-user'); // the session is there...
    expect(everything).not.toContain(refreshToken); // ...the tokens are not readable
    expect(everything).not.toContain('private-liker');
    expect(everything).not.toContain('"iss":"like.co"');

    const logs = s.t.logs.text;
    expect(logs).toContain('/likecoin/callback');
    for (const secret of [
      refreshToken,
      callback.searchParams.get('code')!,
      callback.searchParams.get('state')!,
      'likecoin-client-secret',
    ]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('never lets Host or X-Forwarded-Host change the redirect_uri', async () => {
    const res = await request(s.t.url)
      .get('/likecoin/authorize')
      .set('Host', 'evil.example')
      .set('X-Forwarded-Host', 'evil.example')
      .set('X-Forwarded-Proto', 'https')
      .expect(302);
    expect(new URL(res.headers.location!).searchParams.get('redirect_uri')).toBe(
      'http://localhost:3000/likecoin/callback',
    );
  });

  it.each([
    ['//evil.example', 'invalid_return_to'],
    ['https://allowed.example@evil.example', 'invalid_return_to'],
  ])('refuses return_to=%s before starting anything', async (returnTo, code) => {
    const res = await request(s.t.url).get(
      `/likecoin/authorize?return_to=${encodeURIComponent(returnTo)}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    await expectDocumented(res);
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('refuses a scope that is not configured', async () => {
    const res = await request(s.t.url).get('/likecoin/authorize?scope=profile%20admin');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_scope');
    await expectDocumented(res);
  });

  it('requires X-CSRF for a cookie-carried POST /likecoin/authorize', async () => {
    const user = await login(s.t);
    const res = await request(s.t.url)
      .post('/likecoin/authorize')
      .set('Cookie', user.cookie)
      .send({});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('csrf_rejected');
    await expectDocumented(res);
  });
});

describe('without LikeCoin credentials', () => {
  it('answers 503 likecoin_not_configured', async () => {
    await withTestApp({}, async (t) => {
      const res = await request(t.url).get('/likecoin/authorize');
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('likecoin_not_configured');
      await expectDocumented(res);
    });
  });
});

// The refusal policy end to end, against both LikeCoins: how a dead token is refused is not
// public, so every 4xx but 408/429 must end the grant, and nothing else may.
describe.each(LIKECOIN_MODES)('LikeCoin (%s) refusing or failing a refresh', (mode) => {
  let m: LikeCoinSetup;
  beforeAll(async () => {
    m = await startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '1000' }, { mode });
  });
  afterAll(() => m.close());
  afterEach(() => {
    m.provider.behaviour = behaviourOf(mode);
  });

  const profile = (cookie: string) =>
    request(m.t.url).get('/likecoin/api/users/profile').set('Cookie', cookie).set('X-CSRF', '1');
  const likecoinOf = async (cookie: string) =>
    (await request(m.t.url).get('/session').set('Cookie', cookie)).body.likecoin;
  const metrics = async () => (await request(m.t.url).get('/metrics')).text;

  it.each([400, 401, 403, 404, 410])(
    'a dead refresh token refused with %i: 401 likecoin_reauthorization_required, and every linked session is disconnected',
    async (status) => {
      const liker = `refused-${status}-liker`;
      asLiker(m.provider, liker);
      const web = await connectedWithExpiredToken(m);
      const other = await connectedWithExpiredToken(m);
      m.provider.revokeRefreshTokens(liker);
      m.provider.behaviour.refusal = { status, body: 'text' };
      const res = await profile(web);
      expect([res.status, res.body.code]).toEqual([401, 'likecoin_reauthorization_required']);
      await expectDocumented(res, 'GET', '/likecoin/api/{path}');
      expect(await likecoinOf(web)).toMatchObject({ connected: false });
      expect(await likecoinOf(other)).toMatchObject({ connected: false });
      expect((await profile(other)).body.code).toBe('likecoin_reauthorization_required');
    },
  );

  it('our client refused (401 invalid_client): 502, the grant kept, an error line and the misconfigured outcome for the operator', async () => {
    asLiker(m.provider, 'misconfigured-liker');
    const cookie = await connectedWithExpiredToken(m);
    m.provider.behaviour.token = 'canned';
    m.provider.behaviour.canned = {
      status: 401,
      contentType: 'application/json',
      body: '{"error":"invalid_client"}',
    };
    const res = await profile(cookie);
    expect([res.status, res.body.code]).toEqual([502, 'provider_error']);
    await expectDocumented(res, 'GET', '/likecoin/api/{path}');
    expect(await likecoinOf(cookie)).toMatchObject({
      connected: true,
      user: 'misconfigured-liker',
    });
    const told = m.t.logs
      .entries()
      .filter((e) => e.level === 50 && e.providerCode === 'invalid_client');
    expect(told).toEqual([expect.objectContaining({ provider: 'likecoin' })]);
    expect(m.t.logs.text).not.toContain(LIKECOIN_CLIENT_SECRET);
    expect(await metrics()).toMatch(
      /oauth_refreshes_total\{provider="likecoin",outcome="misconfigured"\} 1\b/,
    );
    // Fixed at the provider's end: the same grant refreshes.
    m.provider.behaviour = behaviourOf(mode);
    expect((await profile(cookie)).status).toBe(200);
  });

  it.each([408, 429, 503])(
    '%i at the token endpoint: 503 provider_unavailable with Retry-After, the grant kept',
    async (status) => {
      asLiker(m.provider, `busy-${status}-liker`);
      const cookie = await connectedWithExpiredToken(m);
      m.provider.behaviour.token = 'canned';
      m.provider.behaviour.canned = { status, contentType: 'text/plain', body: 'slow down' };
      const res = await profile(cookie);
      expect([res.status, res.body.code]).toEqual([503, 'provider_unavailable']);
      expect(res.headers['retry-after']).toEqual(expect.any(String));
      expect(await likecoinOf(cookie)).toMatchObject({ connected: true });
      m.provider.behaviour = behaviourOf(mode);
      expect((await profile(cookie)).status).toBe(200);
    },
  );

  it('a refresh answer naming another Liker is never stored: 502, the session keeps its own Liker', async () => {
    asLiker(m.provider, 'own-liker');
    const cookie = await connectedWithExpiredToken(m);
    m.provider.behaviour.shapeAnswer = async (answer, { scopes }) => ({
      ...answer,
      user: 'mallory-liker',
      access_token: await m.provider.mintAccessToken('mallory-liker', scopes),
    });
    const before = m.provider.count('/api/users/profile');
    const res = await profile(cookie);
    expect([res.status, res.body.code]).toEqual([502, 'provider_error']);
    expect(m.provider.count('/api/users/profile')).toBe(before);
    expect(await likecoinOf(cookie)).toMatchObject({ connected: true, user: 'own-liker' });
    expect(await metrics()).toMatch(/outcome="subject_changed"\} 1\b/);
  });

  it.each([403, 404])(
    'a code refused with %i: 502 provider_error, nothing stored, nobody signed in',
    async (status) => {
      const { cookie, authorizationUrl } = await browserStarts(m.t);
      const callback = await atProvider(authorizationUrl);
      callback.searchParams.set('code', 'a-code-likecoin-never-issued');
      m.provider.behaviour.refusal = { status, body: 'text' };
      const res = await request(m.t.url).get(pathOf(callback)).set('Cookie', cookie);
      expect([res.status, res.body.code]).toEqual([502, 'provider_error']);
      await expectDocumented(res, 'GET', '/likecoin/callback');
      expect(sessionCookieOf(res)).toBeUndefined();
      const view = await request(m.t.url).get('/session').set('Cookie', cookie);
      expect(view.body).toMatchObject({ authenticated: false, likecoin: { connected: false } });
    },
  );
});
