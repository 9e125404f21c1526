import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request, { type Response } from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { expectDocumented } from '../support/openapi-conformance';
import {
  signingKey,
  startJwksServer,
  type JwksBehaviour,
  type JwksServer,
  type SigningKey,
} from '../support/jwks-server';
import { freePort } from '../support/redis-server';
import {
  APP_JWT_SECRET,
  startTestApp,
  withTestApp,
  type TestApp,
  storedKeys,
} from '../support/test-app';

const OTHER_SECRET = 'another-app-jwt-secret-0123456789abcdef';
const nowS = () => Math.floor(Date.now() / 1000);
/** Signs with the configured secret, exactly the claims given (no exp unless set). */
const hs = (claims: object, algorithm: jwt.Algorithm = 'HS256') =>
  jwt.sign(claims, APP_JWT_SECRET, { algorithm });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT made by hand: `alg: none` with an empty signature, or HMAC-SHA256 with any key. */
function handMade(header: object, payload: object, hmacKey?: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(input).digest();
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

const sessionKeys = async (app: TestApp) => (await storedKeys(app, 'sess:*')).length;

function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** POSTs the body to /session and checks that the refusal stored nothing. */
async function refused(app: TestApp, body: object, status: number, code: string) {
  const before = await sessionKeys(app);
  const res = await request(app.url).post('/session').send(body);
  expectProblem(res, status, code);
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(await sessionKeys(app)).toBe(before);
  await expectDocumented(res, 'POST', '/session');
  return res;
}

describe('POST /session with APP_JWT_SECRET (HS256)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each<[string, () => string, string]>([
    ['a valid token', () => appIdToken({ sub: 'u1' }), 'u1'],
    [
      'a token expired 10 s ago (within the tolerance)',
      () => hs({ sub: 'u1', exp: nowS() - 10 }),
      'u1',
    ],
    ['a 255-character user id, whole', () => appIdToken({ sub: 'y'.repeat(255) }), 'y'.repeat(255)],
  ])('accepts %s', async (_name, token, id) => {
    const before = await sessionKeys(t);
    const res = await request(t.url).post('/session').send({ id_token: token() });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id });
    expect(await sessionKeys(t)).toBe(before + 1);
  });

  it.each<[string, () => string]>([
    ['signed with another secret', () => appIdToken({ sub: 'u1' }, OTHER_SECRET)],
    ['expired beyond the 30 s tolerance', () => hs({ sub: 'u1', exp: nowS() - 60 })],
    ['without exp', () => hs({ sub: 'u1' })],
    ['alg none', () => handMade({ alg: 'none', typ: 'JWT' }, { sub: 'u1', exp: nowS() + 300 })],
    ['HS512 (only HS256 is accepted)', () => hs({ sub: 'u1', exp: nowS() + 300 }, 'HS512')],
    [
      'with a payload changed after signing',
      () => {
        const [h, , s] = appIdToken({ sub: 'u1' }).split('.');
        return `${h}.${b64({ sub: 'admin', exp: nowS() + 300 })}.${s}`;
      },
    ],
    ['that is not a JWT at all', () => 'not-a-jwt'],
  ])('refuses a token %s: 401 invalid_id_token, no session', async (_name, token) => {
    await refused(t, { id_token: token() }, 401, 'invalid_id_token');
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing', { name: 'no sub here' }],
    ['an object', { sub: { id: 'u1' } }],
    ['an array', { sub: ['u1'] }],
    ['a boolean', { sub: true }],
    ['null', { sub: null }],
    ['a float', { sub: 1.5 }],
    ['a 256-character string', { sub: 'x'.repeat(256) }],
    ['an empty string', { sub: '' }],
  ])('refuses a user claim that is %s: 422 invalid_user_id', async (_name, claims) => {
    await refused(t, { id_token: appIdToken(claims) }, 422, 'invalid_user_id');
  });

  it.each<[string, object]>([
    ['no id_token', {}],
    ['a numeric id_token', { id_token: 123 }],
    ['a null id_token', { id_token: null }],
    ['an array id_token', { id_token: [appIdToken()] }],
    ['an object id_token', { id_token: { jwt: appIdToken() } }],
    ['an empty id_token', { id_token: '' }],
  ])('answers a body with %s: 400 invalid_request', async (_name, body) => {
    await refused(t, body, 400, 'invalid_request');
  });
});

describe('POST /session with issuer, audience and user claim configured', () => {
  const env = { APP_JWT_ISSUER: 'https://idp.example', APP_JWT_AUDIENCE: 'token-bff' };
  const good = { sub: 'u2', iss: env.APP_JWT_ISSUER, aud: env.APP_JWT_AUDIENCE };

  it('accepts the right issuer and audience, refuses a wrong or missing one', () =>
    withTestApp({ env }, async (app) => {
      await request(app.url)
        .post('/session')
        .send({ id_token: appIdToken(good) })
        .expect(200);
      for (const claims of [
        { ...good, iss: 'https://evil.example' },
        { ...good, aud: 'someone-else' },
        { sub: 'u2', aud: env.APP_JWT_AUDIENCE },
        { sub: 'u2', iss: env.APP_JWT_ISSUER },
      ]) {
        await refused(app, { id_token: appIdToken(claims) }, 401, 'invalid_id_token');
      }
    }));

  it('reads the user id from APP_JWT_USER_CLAIM', () =>
    withTestApp({ env: { APP_JWT_USER_CLAIM: 'uid' } }, async (app) => {
      const res = await request(app.url)
        .post('/session')
        .send({ id_token: appIdToken({ uid: 'u-7', sub: 'not-me' }) })
        .expect(200);
      expect(res.body.user).toEqual({ id: 'u-7' });
      await refused(app, { id_token: appIdToken({ sub: 'u-8' }) }, 422, 'invalid_user_id');
    }));

  it('answers 503 app_login_not_configured with neither a secret nor a JWKS URL', () =>
    withTestApp({ env: { APP_JWT_SECRET: '' } }, async (app) => {
      await refused(app, { id_token: appIdToken() }, 503, 'app_login_not_configured');
    }));
});

describe('POST /session with APP_JWKS_URL', () => {
  let rsa: SigningKey;
  let ec: SigningKey;
  let stranger: SigningKey;
  let jwks: JwksServer;
  let t: TestApp;
  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([
      signingKey('RS256', 'rsa-1'),
      signingKey('ES256', 'ec-1'),
      signingKey('RS256', 'rsa-unknown'),
    ]);
    jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk]);
    t = await startTestApp({ env: { APP_JWT_SECRET: '', APP_JWKS_URL: jwks.url } });
  });
  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  it.each<[string, () => SigningKey]>([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ])('accepts a token signed with a published %s key', async (_alg, key) => {
    const res = await request(t.url)
      .post('/session')
      .send({ id_token: await key().sign({ sub: 'jw' }) });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: 'jw' });
    expect(jwks.requests.every((p) => p === '/jwks.json')).toBe(true);
  });

  const claims = () => ({ sub: 'mallory', exp: nowS() + 300 });
  const confused = (hmacKey: string) =>
    handMade({ alg: 'HS256', typ: 'JWT', kid: rsa.kid }, claims(), hmacKey);
  it.each<[string, () => Promise<string> | string]>([
    ['HS256 with the public key PEM as HMAC key', () => confused(rsa.publicPem)],
    ['HS256 with the public JWK as HMAC key', () => confused(JSON.stringify(rsa.publicJwk))],
    ['alg none', () => handMade({ alg: 'none', typ: 'JWT', kid: rsa.kid }, claims())],
    ['an unknown RSA key (kid not in the set)', () => stranger.sign({ sub: 'mallory' })],
    ['an unknown RSA key under a published kid', () => stranger.sign({ sub: 'mallory' }, rsa.kid)],
    ['the right key but without exp', () => rsa.sign({ sub: 'mallory', exp: null })],
  ])('refuses %s: 401 invalid_id_token', async (_name, token) => {
    await refused(t, { id_token: await token() }, 401, 'invalid_id_token');
  });

  it('does not refetch the key set for every unknown kid', async () => {
    await request(t.url)
      .post('/session')
      .send({ id_token: await rsa.sign({ sub: 'warm' }) });
    const before = jwks.requests.length;
    const tokens = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => stranger.sign({ sub: 'm' }, `k${i}`)),
    );
    await Promise.all(tokens.map((tok) => refused(t, { id_token: tok }, 401, 'invalid_id_token')));
    expect(jwks.requests.length - before).toBeLessThanOrEqual(1);
  });
});

describe('POST /session when the JWKS cannot be fetched', () => {
  it.each<[string, JwksBehaviour | 'down', string[]]>([
    ['nothing listens at the JWKS URL', 'down', []],
    ['the JWKS endpoint answers 500', 'fail', ['/jwks.json']],
    ['the JWKS endpoint never answers', 'hang', ['/jwks.json']],
  ])(
    'answers 503 identity_provider_unavailable in time when %s',
    async (_name, mode, seen) => {
      const rsa = await signingKey('RS256', 'rsa-1');
      const jwks = mode === 'down' ? undefined : await startJwksServer([rsa.publicJwk], mode);
      const url = jwks?.url ?? `http://127.0.0.1:${await freePort()}/jwks.json`;
      try {
        // A 1 s JWKS timeout in place of the default 5 s: the same time-out, reached sooner.
        const env = { APP_JWT_SECRET: '', APP_JWKS_URL: url };
        await withTestApp({ env, limits: { jwksTimeoutMs: 1000 } }, async (app) => {
          const started = Date.now();
          const token = await rsa.sign({ sub: 'u' });
          const res = await refused(app, { id_token: token }, 503, 'identity_provider_unavailable');
          expect(Date.now() - started).toBeLessThan(app.config.limits.jwksTimeoutMs + 2000);
          expect(res.headers['retry-after']).toBeDefined();
        });
        expect(jwks?.requests ?? []).toEqual(seen);
      } finally {
        await jwks?.close();
      }
    },
    15_000,
  );
});
