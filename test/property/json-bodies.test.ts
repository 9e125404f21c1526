import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { rawRequest } from '../support/raw-request';
import { startTestApp, type TestApp, storedState } from '../support/test-app';
import { HTTP_RUNS, useSeed } from './seed';

useSeed();

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

// Deep, wide and odd JSON: nothing here is a valid app token, so nothing may ever sign in.
const deep = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('[', '{"a":'))
  .map(([n, open]) => `${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}`);
const wide = fc
  .integer({ min: 1, max: 2000 })
  .map((n) =>
    JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  );
const tokenish = fc.oneof(
  fc.string(),
  fc.jsonValue(),
  fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a.b.c', '', '\u0000'),
);
const withToken = fc
  .tuple(tokenish, fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }))
  .map(([id_token, rest]) => JSON.stringify({ ...rest, id_token }));
const text = fc.oneof(
  deep,
  wide,
  withToken,
  fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
  fc.string(),
);

const charset = fc.constantFrom(
  '',
  '; charset=utf-8',
  '; charset=UTF-8',
  '; charset=utf-16',
  '; charset=latin1',
  '; charset="utf-8"',
  '; charset=',
);
const encoding = fc.constantFrom(
  'identity',
  'gzip',
  'gzip-garbage',
  'deflate-garbage',
  'br-garbage',
  'none',
);
const bom = fc.boolean();

function encode(body: string, enc: string, withBom: boolean): { body: Buffer; header?: string } {
  const raw = Buffer.from((withBom ? '\ufeff' : '') + body, 'utf8');
  if (enc === 'gzip') return { body: gzipSync(raw), header: 'gzip' };
  if (enc.endsWith('-garbage')) return { body: raw, header: enc.replace('-garbage', '') };
  if (enc === 'identity') return { body: raw, header: 'identity' };
  return { body: raw };
}

describe('JSON bodies on POST /session (property)', () => {
  it('never a 5xx, always problem+json, nothing stored', async () => {
    const keysBefore = await storedState(t);
    await fc.assert(
      fc.asyncProperty(text, charset, encoding, bom, async (body, cs, enc, withBom) => {
        const sent = encode(body, enc, withBom);
        const res = await rawRequest(t.url, '/session', {
          method: 'POST',
          headers: {
            'content-type': `application/json${cs}`,
            'content-length': String(sent.body.length),
            ...(sent.header ? { 'content-encoding': sent.header } : {}),
          },
          body: sent.body,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(await storedState(t)).toEqual(keysBefore);
      }),
      { numRuns: HTTP_RUNS },
    );
    expect(t.logs.entries().filter((e) => Number(e.level) >= 50)).toEqual([]);
  }, 60_000);
});
