import { sign } from 'cookie-signature';
import fc from 'fast-check';
import { rawRequest } from '../support/raw-request';
import { BASE_ENV, startTestApp, type TestApp, storedKeys } from '../support/test-app';
import { readCredential } from '../../src/session/read-credential';
import { HTTP_RUNS, PURE_RUNS, useSeed } from './seed';

useSeed();

const COOKIE = 'token-bff';
const printable = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const b64ish = fc.stringMatching(/^[A-Za-z0-9._~+/=%:-]{0,48}$/);
const cookieValue = fc.oneof(
  b64ish,
  b64ish.map((v) => `s:${v}`),
  b64ish.map((v) => encodeURIComponent(`s:${v}`)),
  b64ish.map((v) => `s%3A${sign(v, BASE_ENV.SESSION_SECRET!)}`),
  printable,
);
const cookieHeader = fc
  .array(
    fc.tuple(
      fc.constantFrom(COOKIE, `${COOKIE}x`, ` ${COOKIE}`, 'other', '__Host-token-bff'),
      cookieValue,
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('; '));
const bearerHeader = fc.oneof(
  b64ish.map((v) => `Bearer ${v}`),
  b64ish.map((v) => `bearer  ${v} `),
  b64ish.map((v) => `Bearer ${sign(v, BASE_ENV.SESSION_SECRET!)}`),
  fc
    .tuple(fc.constantFrom('Bearer', 'Basic', 'Bearer:', 'BEARER'), printable)
    .map(([s, v]) => `${s} ${v}`),
  printable,
);

describe('readCredential (property)', () => {
  it('a Bearer header always wins; what it reads is a token or nothing, never a cookie', () => {
    fc.assert(
      fc.property(fc.option(bearerHeader), fc.option(cookieHeader), (authorization, cookie) => {
        const headers = {
          ...(authorization === null ? {} : { authorization }),
          ...(cookie === null ? {} : { cookie }),
        };
        const c = readCredential(headers, COOKIE);
        if (authorization !== null && /^bearer /i.test(authorization)) {
          expect(c.carrier).toBe('bearer');
          const id = (c as { signedId: string }).signedId;
          expect(id === '' || authorization.includes(id)).toBe(true);
          expect(id).toMatch(/^[A-Za-z0-9._~+/=-]*$/);
        } else if (c.carrier === 'cookie') {
          expect(cookie).toContain(COOKIE);
        } else {
          expect(c.carrier).toBe('none');
        }
      }),
      { numRuns: PURE_RUNS },
    );
  });
});

describe('credentials through HTTP (property)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('no cookie or bearer string makes the service fail or store anything', async () => {
    const keysBefore = await storedKeys(t);
    await fc.assert(
      fc.asyncProperty(
        fc.option(bearerHeader),
        fc.option(cookieHeader),
        fc.constantFrom('/session', '/livelike/token', '/livelike/api/x'),
        async (authorization, cookie, path) => {
          const res = await rawRequest(t.url, path, {
            headers: {
              ...(authorization === null ? {} : { authorization }),
              ...(cookie === null ? {} : { cookie }),
              'x-csrf': '1',
            },
          });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400)
            expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(await storedKeys(t)).toEqual(keysBefore);
        },
      ),
      { numRuns: HTTP_RUNS },
    );
    expect(t.logs.entries().filter((e) => Number(e.level) >= 50)).toEqual([]);
  });
});
