import jwt, { type JwtPayload } from 'jsonwebtoken';
import request from 'supertest';
import { login } from '../support/login';
import { expectDocumented } from '../support/openapi-conformance';
import {
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  withTestApp,
  type TestApp,
} from '../support/test-app';

/** Verifies a profile token exactly as LiveLike does: HS256 with the client secret. */
function verifyAsLiveLike(token: string): JwtPayload {
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
  expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
  return jwt.verify(token, LIVELIKE_CLIENT_SECRET, {
    algorithms: ['HS256'],
    issuer: LIVELIKE_CLIENT_ID,
  }) as JwtPayload;
}

describe('/livelike/token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(['GET', 'POST'] as const)(
    '%s mints a token LiveLike accepts for the session user',
    async (method) => {
      const { sessionToken } = await login(t, { sub: 'user-77' });
      const call =
        method === 'GET'
          ? request(t.url).get('/livelike/token')
          : request(t.url).post('/livelike/token');
      const res = await call.set('Authorization', `Bearer ${sessionToken}`).expect(200);
      const nowSeconds = Date.now() / 1000;
      expect(res.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        custom_profile_id: 'user-77',
      });
      expect(res.headers['cache-control']).toBe('no-store');
      const claims = verifyAsLiveLike(res.body.access_token);
      expect(Number.isInteger(claims.iat)).toBe(true);
      expect(Math.abs(claims.iat! - nowSeconds)).toBeLessThanOrEqual(1);
      expect(claims.custom_profile_id).toBe('user-77');
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(res.body.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());
      expect(Object.keys(claims).sort()).toEqual(['custom_profile_id', 'exp', 'iat', 'iss']);
      await expectDocumented(res, method, '/livelike/token');
    },
  );

  it('works with a cookie session that sends X-CSRF', async () => {
    const { cookie } = await login(t, { sub: 'cookie-user' });
    const res = await request(t.url)
      .get('/livelike/token')
      .set('Cookie', cookie)
      .set('X-CSRF', '1')
      .expect(200);
    expect(verifyAsLiveLike(res.body.access_token).custom_profile_id).toBe('cookie-user');
  });

  it('writes a numeric user id as a string', async () => {
    const { sessionToken } = await login(t, { sub: 12345 });
    const res = await request(t.url)
      .get('/livelike/token')
      .set('Authorization', `Bearer ${sessionToken}`);
    expect(verifyAsLiveLike(res.body.access_token).custom_profile_id).toBe('12345');
  });

  it('ignores a custom_profile_id in the query or the body', async () => {
    const { sessionToken } = await login(t, { sub: 'honest-user' });
    const viaQuery = await request(t.url)
      .get('/livelike/token?custom_profile_id=victim')
      .set('Authorization', `Bearer ${sessionToken}`);
    const viaBody = await request(t.url)
      .post('/livelike/token')
      .set('Authorization', `Bearer ${sessionToken}`)
      .send({ custom_profile_id: 'victim' });
    for (const res of [viaQuery, viaBody]) {
      expect(res.status).toBe(200);
      expect(verifyAsLiveLike(res.body.access_token).custom_profile_id).toBe('honest-user');
    }
  });

  it('answers 401 not_authenticated without a session', async () => {
    const res = await request(t.url).get('/livelike/token').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_authenticated');
    await expectDocumented(res, 'GET', '/livelike/token');
  });

  it('counts minted tokens in /metrics', async () => {
    const { sessionToken } = await login(t);
    const count = async () =>
      Number(
        /livelike_tokens_minted_total (\d+)/.exec((await request(t.url).get('/metrics')).text)?.[1],
      );
    const before = await count();
    await request(t.url)
      .get('/livelike/token')
      .set('Authorization', `Bearer ${sessionToken}`)
      .expect(200);
    expect(await count()).toBe(before + 1);
  });
});

describe('/livelike/token with LIVELIKE_TOKEN_TTL_SECONDS=0', () => {
  it('mints tokens without exp', async () => {
    await withTestApp({ env: { LIVELIKE_TOKEN_TTL_SECONDS: '0' } }, async (t) => {
      const { sessionToken } = await login(t);
      const res = await request(t.url)
        .get('/livelike/token')
        .set('Authorization', `Bearer ${sessionToken}`);
      expect(res.body).toMatchObject({ expires_in: null, expires_at: null });
      expect(verifyAsLiveLike(res.body.access_token)).not.toHaveProperty('exp');
      await expectDocumented(res, 'GET', '/livelike/token');
    });
  });
});

describe('/livelike/token without LiveLike credentials', () => {
  it('answers 503 livelike_not_configured', async () => {
    await withTestApp(
      { env: { LIVELIKE_CLIENT_ID: '', LIVELIKE_CLIENT_SECRET: '' } },
      async (t) => {
        const { sessionToken } = await login(t);
        const res = await request(t.url)
          .get('/livelike/token')
          .set('Authorization', `Bearer ${sessionToken}`);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('livelike_not_configured');
        await expectDocumented(res, 'GET', '/livelike/token');
      },
    );
  });
});

describe('/livelike/token for a user id LiveLike cannot take', () => {
  it('refuses an id over 255 characters with 422 invalid_profile_id', async () => {
    // Such ids can come from a LikeCoin sign-in or an app whose ids are longer than LiveLike's.
    await withTestApp({}, async (t) => {
      const { sessionToken } = await login(t, { sub: 'u'.repeat(255) });
      const sid = sessionToken.split('.')[0]!;
      const stored = JSON.parse((await t.redis.get(`sess:${sid}`))!);
      stored.user.id = 'u'.repeat(256);
      await t.redis.set(`sess:${sid}`, JSON.stringify(stored), 'PX', 60_000);
      const res = await request(t.url)
        .get('/livelike/token')
        .set('Authorization', `Bearer ${sessionToken}`);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('invalid_profile_id');
      await expectDocumented(res, 'GET', '/livelike/token');
    });
  });
});
