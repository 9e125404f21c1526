import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createLogger } from '../../src/log/create-logger';
import { appIdToken } from '../support/app-tokens';
import { LogCapture } from '../support/log-capture';
import {
  APP_JWT_SECRET,
  BASE_ENV,
  LIVELIKE_CLIENT_SECRET,
  startTestApp,
  type TestApp,
  withTestApp,
} from '../support/test-app';

const GARBAGE_BEARER = 'GarbageBearerValue-7f3a9c';
const SECRET_IN_BAD_JSON = 'SecretInsideBrokenJson-51d2';

interface LogEntry {
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
}

let t: TestApp;
/** name → value that must never be logged, filled in by the scenario. */
const secrets: Record<string, string> = {
  'session secret': BASE_ENV.SESSION_SECRET!,
  'LiveLike client secret': LIVELIKE_CLIENT_SECRET,
  'app JWT secret': APP_JWT_SECRET,
  'query code': 'SECRETCODE',
  'query state': 'SECRETSTATE',
  'garbage bearer': GARBAGE_BEARER,
  'secret in a broken JSON body': SECRET_IN_BAD_JSON,
};
/** Every value the scenario must keep out of the logs (their values are known only once it ran). */
const NEVER_LOGGED = [
  'session secret',
  'LiveLike client secret',
  'app JWT secret',
  'query code',
  'query state',
  'garbage bearer',
  'secret in a broken JSON body',
  'id token',
  'id token signature',
  'forged id token',
  'session token',
  'session token signature',
  'cookie value (URL-encoded)',
  'cookie value (raw)',
  'LiveLike access token',
  'LiveLike access token signature',
];
/** What the responses said their X-Request-Id was, by step. */
const requestIds: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'trace' } });
  const api = () => request(t.url);

  // Log in with the app's ID token.
  const idToken = appIdToken({ sub: 'log-user' });
  const loginRes = await api().post('/session').send({ id_token: idToken }).expect(200);
  const sessionToken: string = loginRes.body.session_token;
  const cookie = (loginRes.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
  const cookieValue = cookie.slice(cookie.indexOf('=') + 1);
  Object.assign(secrets, {
    'id token': idToken,
    'id token signature': idToken.split('.')[2]!,
    'session token': sessionToken,
    'session token signature': sessionToken.slice(sessionToken.lastIndexOf('.') + 1),
    'cookie value (URL-encoded)': cookieValue,
    'cookie value (raw)': decodeURIComponent(cookieValue),
  });

  await api().get('/session').set('Cookie', cookie).expect(200);

  const minted = await api()
    .get('/livelike/token')
    .set('Authorization', `Bearer ${sessionToken}`)
    .expect(200);
  requestIds.mint = minted.headers['x-request-id'] as string;
  const accessToken: string = minted.body.access_token;
  secrets['LiveLike access token'] = accessToken;
  secrets['LiveLike access token signature'] = accessToken.split('.')[2]!;

  const withQuery = await api()
    .get('/session?code=SECRETCODE&state=SECRETSTATE&scope=profile')
    .set('Cookie', cookie)
    .expect(200);
  requestIds.query = withQuery.headers['x-request-id'] as string;

  // Tokens in query strings and bodies of requests that fail.
  await api().get(`/no/such/path?access_token=${accessToken}&code=SECRETCODE`).expect(404);
  const forged = jwt.sign({ sub: 'log-user' }, 'forged-secret-0123456789abcdefghijkl');
  secrets['forged id token'] = forged;
  await api().post('/session').send({ id_token: forged }).expect(401);
  await api()
    .post('/session')
    .set('Content-Type', 'application/json')
    .send(`{"id_token": "${SECRET_IN_BAD_JSON}`)
    .expect(400);
  await api()
    .post('/livelike/token')
    .set('Cookie', cookie)
    .send({ id_token: idToken, session_token: sessionToken })
    .expect(403);

  await api().delete('/session').set('Cookie', cookie).set('X-CSRF', '1').expect(204);
  const garbage = await api()
    .get('/session')
    .set('Authorization', `Bearer ${GARBAGE_BEARER}`)
    .expect(401);
  requestIds.garbage = garbage.headers['x-request-id'] as string;
  await api().get('/livelike/token').set('Authorization', `Bearer ${sessionToken}`).expect(401);
});
afterAll(() => t.close());

const entries = () => t.logs.entries() as LogEntry[];

describe('the log stream of a full scenario', () => {
  it('recorded every request, with the request id the client saw', () => {
    const requests = entries().filter((e) => e.req?.url !== undefined);
    expect(requests.length).toBeGreaterThanOrEqual(11);
    expect(requests).toContainEqual(
      expect.objectContaining({
        reqId: requestIds.mint,
        req: { method: 'GET', url: '/livelike/token' },
        res: { statusCode: 200 },
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ reqId: requestIds.garbage, res: { statusCode: 401 } }),
    );
  });

  it('kept allow-listed query parameters and redacted the others', () => {
    const line = entries().find((e) => e.reqId === requestIds.query);
    expect(line?.req?.url).toBe('/session?code=[Redacted]&state=[Redacted]&scope=profile');
  });

  it.each(NEVER_LOGGED.map((name) => [name]))('never contains the %s', (name) => {
    const value = secrets[name];
    expect(value?.length).toBeGreaterThan(8);
    expect(t.logs.text).not.toContain(value);
  });

  it('checked every value the scenario produced', () => {
    expect([...NEVER_LOGGED].sort()).toEqual(Object.keys(secrets).sort());
  });
});

describe("an error's code is not a secret; OAuth's authorization code is", () => {
  it("keeps the rate limiter's own error code in the log (ERR_ERL_…)", async () => {
    // TRUST_PROXY=true (development only) is what express-rate-limit reports on first use.
    await withTestApp({ env: { TRUST_PROXY: 'true' } }, async (app) => {
      const reported = app.logs.next((e) => e.limit !== undefined);
      await request(app.url).post('/session').send({ id_token: appIdToken() }).expect(200);
      const entry = (await reported) as { err?: { code?: string } };
      expect(entry.err?.code).toBe('ERR_ERL_PERMISSIVE_TRUST_PROXY');
    });
  });

  it("redacts the code where a request carries it, keeps an error object's code", () => {
    const logs = new LogCapture();
    const logger = createLogger('info', logs.stream);
    const code = 'AuthorizationCode-9c41e7';
    logger.info({ code, auth_code: code }, 'top level');
    logger.info({ query: { code, state: 'x' } }, 'a query');
    logger.info({ req: { query: { code }, url: `/likecoin/callback?code=${code}` } }, 'a request');
    logger.info({ params: { auth_code: code }, body: { code } }, 'params and a body');
    logger.info({ provider: { auth_code: code } }, 'the older name, anywhere');
    logger.error({ err: Object.assign(new Error('boom'), { code: 'ERR_ERL_X' }) }, 'an error');
    logger.error({ cause: { code: 'ECONNREFUSED' } }, 'a network error');
    logger.flush();
    expect(logs.text).not.toContain(code);
    const [, , , , , error, network] = logs.entries() as {
      err?: { code?: string };
      cause?: { code?: string };
    }[];
    expect(error?.err?.code).toBe('ERR_ERL_X');
    expect(network?.cause?.code).toBe('ECONNREFUSED');
  });
});
