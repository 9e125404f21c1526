import { createHmac } from 'node:crypto';
import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { logoutClaims } from '../support/oidc-login';
import { APP_JWT_SECRET, startTestApp, type TestApp } from '../support/test-app';

// Without a relying party, back-channel logout takes the APP_JWT_* settings: sessions signed in
// with POST /session and an ID token of that issuer end when the provider says so.

const ISSUER = 'https://id.example';
const AUDIENCE = 'token-bff';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: {
      APP_JWT_ISSUER: ISSUER,
      APP_JWT_AUDIENCE: AUDIENCE,
      APP_BACKCHANNEL_LOGOUT: 'true',
      RATE_LIMIT_BACKCHANNEL_LOGOUT_PER_IP: '12',
    },
  });
});
afterAll(() => t.close());

/** An HS256 JWT, as an identity provider sharing APP_JWT_SECRET signs its logout tokens. */
function hs256(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'logout+jwt' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', APP_JWT_SECRET).update(input).digest('base64url')}`;
}

async function postSession(sub: string, sid?: string): Promise<string> {
  const idToken = appIdToken({ sub, iss: ISSUER, aud: AUDIENCE, ...(sid && { sid }) });
  return (await request(t.url).post('/session').send({ id_token: idToken }).expect(200)).body
    .session_token;
}

const live = async (token: string) =>
  (await request(t.url).get('/session').set('Authorization', `Bearer ${token}`)).status === 200;

const logout = (claims: Record<string, unknown>) =>
  request(t.url)
    .post('/backchannel-logout')
    .type('form')
    .send({ logout_token: hs256(logoutClaims({ issuer: ISSUER }, { aud: AUDIENCE, ...claims })) });

it('ends the POST /session sessions of the sub or sid it names', async () => {
  const a = await postSession('jay', 'sid-j1');
  const b = await postSession('jay', 'sid-j2');
  const other = await postSession('kim');
  await logout({ sid: 'sid-j1' }).expect(200);
  expect([await live(a), await live(b), await live(other)]).toEqual([false, true, true]);
  await logout({ sub: 'jay' }).expect(200);
  expect([await live(b), await live(other)]).toEqual([false, true]);
});

it('is rate limited per client IP, and a limited call ends nothing', async () => {
  const token = await postSession('lou');
  let last = await logout({ sub: 'nobody' });
  for (let i = 0; i < 12 && last.status !== 429; i++) last = await logout({ sub: 'nobody' });
  expect(last.status).toBe(429);
  expect(last.body.code).toBe('rate_limited');
  expect((await logout({ sub: 'lou' })).status).toBe(429);
  expect(await live(token)).toBe(true);
});
