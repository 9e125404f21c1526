import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { startTestApp, type TestApp, storedState } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const storedKeyCount = async () => (await storedState(t)).length;
const signIn = (claims: Record<string, unknown>) =>
  request(t.url)
    .post('/session')
    .send({ id_token: appIdToken(claims) });

describe('user ids from app tokens', () => {
  it.each([
    ['NUL', 'user\u0000admin'],
    ['CR LF', 'user\r\nlevel=50'],
    ['LF', 'user\nx'],
    ['tab', 'user\tx'],
    ['ESC', 'user\u001b[31m'],
    ['DEL', 'user\u007f'],
    ['a C1 control (NEL)', 'user\u0085x'],
    ['the line separator', 'user\u2028x'],
  ])('refuses a user id with %s: 422 invalid_user_id, no session', async (_name, sub) => {
    const before = await storedKeyCount();
    const res = await signIn({ sub });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('invalid_user_id');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await storedKeyCount()).toBe(before);
  });

  it.each(['user-1', 'ユーザー', 'a b', 'x@example.com'])('accepts %p', async (sub) => {
    const res = await signIn({ sub });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(sub);
  });
});

describe('iat', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('refuses a token issued in the future beyond the clock tolerance: 401 invalid_id_token', async () => {
    const before = await storedKeyCount();
    const res = await signIn({ sub: 'from-the-future', iat: now() + 3600 });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_id_token');
    expect(res.body.detail).toMatch(/iat/);
    expect(await storedKeyCount()).toBe(before);
  });

  it('accepts one issued a few seconds ahead (within the tolerance)', async () => {
    expect((await signIn({ sub: 'slightly-ahead', iat: now() + 5 })).status).toBe(200);
  });
});
