import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { sign } from 'cookie-signature';
import request, { type Response } from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { login, type LoggedIn } from '../support/login';
import { BASE_ENV, startTestApp, type TestApp, storedKeys } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROBLEM_KEYS = ['code', 'detail', 'status', 'title', 'type'];

let t: TestApp;
let real: LoggedIn;
beforeAll(async () => {
  t = await startTestApp();
  real = await login(t, { sub: 'victim' });
});
afterAll(() => t.close());

/** Every key under the app's prefix, with the value of each session entry. */
async function stored(): Promise<Record<string, string | null>> {
  const keys = (await storedKeys(t)).map((k) => k.slice(t.keyPrefix.length));
  const out: Record<string, string | null> = {};
  for (const key of keys.sort()) out[key] = key.startsWith('sess:') ? await t.redis.get(key) : '';
  return out;
}

const call = (method: string, path: string) => request(t.url)[method.toLowerCase() as 'get'](path);

/** Runs the request and checks that nothing stored changed because of it. */
async function unchanged(send: () => PromiseLike<Response>): Promise<Response> {
  const before = await stored();
  const res = await send();
  expect(await stored()).toEqual(before);
  return res;
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

function expectProblem(res: Answer, status: number, code: string) {
  const body = res.body as Record<string, unknown>;
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(PROBLEM_KEYS).toEqual(expect.arrayContaining(Object.keys(body)));
  expect(body).toEqual(
    expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }),
  );
  expect(JSON.stringify(body)).not.toMatch(/node_modules|\.[jt]s:\d+|\n\s+at /);
}

/** One raw HTTP/1.1 exchange, for what node's client refuses to send. */
function rawExchange(head: string): Promise<Answer & { text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {}); // the server may close while the request is still being written
    socket.on('close', () => {
      const [top = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(top)?.[1]);
      const headers = { 'content-type': /^content-type: *(.*)$/im.exec(top)?.[1] };
      try {
        resolve({ status, headers, body: JSON.parse(body), text });
      } catch {
        reject(new Error(`unparsable answer: ${JSON.stringify(text.slice(0, 300))}`));
      }
    });
  });
}

describe('request bodies on POST /session', () => {
  const token = appIdToken({ sub: 'body-user' });
  const [json, obj] = ['application/json', JSON.stringify({ id_token: token })];
  const padded = (n: number) => JSON.stringify({ id_token: token, pad: 'p'.repeat(n) });
  const [E413, E415] = ['payload_too_large', 'unsupported_media_type'];
  it.each<[string, string, () => string, number, string]>([
    ['malformed JSON', json, () => '{"id_token": "abc', 400, 'invalid_json'],
    ['a 1 MB JSON body', json, () => padded(1 << 20), 413, E413],
    ['a JSON body just over 16 KB', json, () => padded(16 * 1024), 413, E413],
    ['a text/plain body', 'text/plain', () => obj, 415, E415],
    ['a form body', 'application/x-www-form-urlencoded', () => `id_token=${token}`, 415, E415],
    ['JSON in an unsupported charset', `${json}; charset=latin1`, () => obj, 415, E415],
    ['a JSON array', json, () => `[${obj}]`, 400, 'invalid_request'],
    ['JSON null', json, () => 'null', 400, 'invalid_json'],
  ])('refuses %s', async (_name, type, body, status, code) => {
    const res = await unchanged(() =>
      request(t.url).post('/session').set('Content-Type', type).send(body()),
    );
    expectProblem(res, status, code);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('accepts the same token in a JSON object (the control)', async () => {
    await request(t.url).post('/session').set('Content-Type', json).send(obj).expect(200);
  });
});

describe('dead session credentials', () => {
  const sid = () => real.sessionToken.split('.')[0]!;
  const cookies: [string, () => string][] = [
    ['an unsigned cookie', () => 'token-bff=abc'],
    [
      'a tampered signed cookie',
      // one character of the signature changed
      () => real.cookie.replace(/.(....)$/, (m, rest) => `${m[0] === 'A' ? 'B' : 'A'}${rest}`),
    ],
    [
      'a cookie signed with a foreign secret',
      () => `token-bff=${encodeURIComponent(`s:${sign(sid(), 'other-secret')}`)}`,
    ],
  ];
  const paths = ['/session', '/livelike/token'];

  it.each(paths.flatMap((p) => cookies.map(([name, c]) => [p, name, c] as const)))(
    'GET %s with %s: 401 invalid_session_cookie, and the cookie is cleared',
    async (path, _name, cookie) => {
      const res = await unchanged(() =>
        request(t.url).get(path).set('Cookie', cookie()).set('X-CSRF', '1'),
      );
      expectProblem(res, 401, 'invalid_session_cookie');
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
        /^token-bff=;.*Expires=Thu, 01 Jan 1970/,
      );
    },
  );

  const bearers: [string, () => string, () => string | undefined][] = [
    ['a garbage bearer', () => 'garbage', () => undefined],
    [
      'a well-formed but unknown session token',
      () => sign(randomBytes(24).toString('base64url'), BASE_ENV.SESSION_SECRET!),
      () => undefined,
    ],
    ['a garbage bearer next to a valid cookie', () => 'garbage', () => real.cookie],
  ];
  it.each(paths.flatMap((p) => bearers.map(([name, b, c]) => [p, name, b, c] as const)))(
    'GET %s with %s: 401 invalid_session_token with WWW-Authenticate',
    async (path, _name, bearer, cookie) => {
      const res = await unchanged(() => {
        const req = request(t.url).get(path).set('Authorization', `Bearer ${bearer()}`);
        const c = cookie();
        return c === undefined ? req : req.set('Cookie', c);
      });
      expectProblem(res, 401, 'invalid_session_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    },
  );
});

describe('CSRF', () => {
  const authenticated = async (cookie: string) =>
    (await request(t.url).get('/session').set('Cookie', cookie)).body.authenticated;

  it.each<[string, string]>([
    ['DELETE', '/session'],
    ['POST', '/livelike/token'],
    ['GET', '/livelike/token'],
  ])('refuses a cookie-carried %s %s without X-CSRF: 1', async (method, path) => {
    const { cookie } = await login(t, { sub: 'csrf-user' });
    const res = await unchanged(() => call(method, path).set('Cookie', cookie));
    expectProblem(res, 403, 'csrf_rejected');
    expect(await authenticated(cookie)).toBe(true);
    const ok = await call(method, path).set('Cookie', cookie).set('X-CSRF', '1');
    expect(ok.status).toBeLessThan(300);
  });

  it('refuses a cross-origin POST /session, and stores nothing', async () => {
    const res = await unchanged(() =>
      request(t.url)
        .post('/session')
        .set('Origin', 'https://evil.example')
        .send({ id_token: appIdToken() }),
    );
    expectProblem(res, 403, 'csrf_rejected');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts the same POST /session from an allowed origin', async () => {
    const res = await request(t.url)
      .post('/session')
      .set('Origin', 'https://app.example')
      .send({ id_token: appIdToken() });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    request(t.url)
      .options('/livelike/token')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-csrf, content-type');

  it('answers a preflight from an allowed origin, credentials and X-CSRF included', async () => {
    const res = await preflight('https://app.example');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-headers']).toMatch(/(^|,)\s*x-csrf\s*(,|$)/i);
  });

  it.each([
    'https://evil.example',
    'http://app.example',
    'https://app.example.evil.example',
    'null',
  ])('never allows (nor reflects) the origin %s', async (origin) => {
    const res = await preflight(origin);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(t.url).get('/session').set('Origin', origin);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('X-Request-Id', () => {
  it('echoes a sane incoming id', async () => {
    const res = await request(t.url).get('/session').set('X-Request-Id', 'req-42.abc:def@edge');
    expect(res.headers['x-request-id']).toBe('req-42.abc:def@edge');
  });

  it.each<[string, string]>([
    ['10 KB long', 'r'.repeat(10 * 1024)],
    ['with a tab inside', 'abc\tdef'],
    ['with a non-ASCII byte', 'abc\u00e9def'],
    ['with a space and quotes', 'abc "def"'],
  ])('replaces an id %s by a generated one; the request still succeeds', async (_name, id) => {
    const res = await request(t.url).get('/session').set('X-Request-Id', id);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('never echoes an id with a raw control character (invalid HTTP: node refuses it)', async () => {
    const res = await rawExchange(
      'GET /session HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\u0001def\r\nConnection: close\r\n\r\n',
    );
    expectProblem(res, 400, 'bad_request');
    expect(res.text).not.toContain('abc\u0001def');
    expect(res.text).not.toMatch(/x-request-id: *abc/i);
  });
});

describe('unknown paths and oversized headers', () => {
  it.each(['GET', 'POST', 'DELETE'])('%s on an unknown path: 404 not_found', async (method) => {
    const res = await call(method, '/no/such/path');
    expectProblem(res, 404, 'not_found');
  });

  it('answers 431 problem+json to a 20 KB header', async () => {
    const res = await rawExchange(
      `GET /session HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expectProblem(res, 431, 'headers_too_large');
  });
});
