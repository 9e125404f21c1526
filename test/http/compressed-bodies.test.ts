import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { appIdToken } from '../support/app-tokens';
import { rawRequest } from '../support/raw-request';
import { startTestApp, type TestApp, storedState } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const storedKeyCount = async () => (await storedState(t)).length;
const errorLines = () => t.logs.entries().filter((e) => Number(e.level) >= 50);

const compress = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
const valid = () => Buffer.from(JSON.stringify({ id_token: appIdToken({ sub: 'zip-user' }) }));

function post(encoding: string, body: Buffer) {
  return rawRequest(t.url, '/session', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Content-Encoding': encoding,
      'Content-Length': String(body.length),
    },
    body,
  });
}

describe('compressed JSON bodies on POST /session', () => {
  const cases = Object.entries(compress).flatMap(([encoding, zip]) => [
    [encoding, 'garbage', Buffer.from('this is not compressed at all')],
    [encoding, 'truncated', zip(valid()).subarray(0, 20)],
    [encoding, 'empty', Buffer.alloc(0)],
  ]) as [string, string, Buffer][];

  it.each(cases)('%s with %s data ⇒ 400 invalid_body, nothing stored', async (enc, _n, body) => {
    const before = await storedKeyCount();
    const res = await post(enc, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'invalid_body' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await storedKeyCount()).toBe(before);
    expect(errorLines()).toEqual([]);
  });

  it.each(Object.keys(compress))('%s of a non-JSON text ⇒ 400 invalid_json', async (enc) => {
    const res = await post(enc, compress[enc as keyof typeof compress](Buffer.from('{"id_token')));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('invalid_json');
  });

  it('a gzip body that inflates past the limit ⇒ 413 payload_too_large', async () => {
    const res = await post('gzip', gzipSync(Buffer.from(`{"pad":"${'p'.repeat(1 << 20)}"}`)));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).code).toBe('payload_too_large');
  });

  it('an encoding we do not accept ⇒ 415 unsupported_media_type', async () => {
    const res = await post('compress', valid());
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body).code).toBe('unsupported_media_type');
  });

  it.each(Object.keys(compress))('a well-formed %s body signs in (the control)', async (enc) => {
    const res = await post(enc, compress[enc as keyof typeof compress](valid()));
    expect(res.status).toBe(200);
  });
});
