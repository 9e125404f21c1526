import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request, { type Response } from 'supertest';
import { DEFAULT_LIMITS } from '../../src/config';
import { errorHandler } from '../../src/http/error-handler';
import { createLogger } from '../../src/log/create-logger';
import { requestLogger } from '../../src/log/request-logger';
import { startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import { LogCapture } from '../support/log-capture';
import { login } from '../support/login';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';

// Paths whose percent-encoding does not decode: a lone or cut `%`, non-hex digits, bytes that
// are not UTF-8 (an overlong lead byte, 0xFF), a cut three-byte sequence. Each on a route with a
// parameter, under a proxy, on a known path's neighbour, and on no route at all.
const MALFORMED = [
  '/sessions/%',
  '/sessions/%E0%A4%A',
  '/sessions/%ff',
  '/likecoin/%',
  '/likecoin/api/%zz',
  '/likecoin/callback/%C0',
  '/livelike/api/%',
  '/livelike/api/users/%E0%A4',
  '/session/%C0',
  '/%',
  '/healthz%',
  '/sessions/%?keep=current',
];
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'] as const;

let s: LikeCoinSetup;
let upstream: RecordingUpstream;
let bearer: string;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
  s = await startWithLikeCoin({ LIVELIKE_API_URL: upstream.apiUrl });
  bearer = (await login(s.t, { sub: 'percent-user' })).sessionToken;
});
afterAll(async () => {
  await s.close();
  await upstream.close();
});

const send = (method: string, path: string) =>
  request(s.t.url)[method.toLowerCase() as 'get'](path);

function expectMalformedPath(res: Response) {
  expect({ status: res.status, code: res.body.code }).toEqual({
    status: 400,
    code: 'invalid_path',
  });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.detail).toMatch(/percent-encoding/);
  expect(res.text).not.toMatch(/URIError|node_modules|\n\s+at /);
  // Our headers are on it like on any answer.
  expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
}

function errorLines(logs: LogCapture): string[] {
  return logs.lines.filter(
    (l) => (JSON.parse(l) as { level: number }).level >= 50 || /stack/.test(l),
  );
}

describe('malformed percent-encoding in the path', () => {
  const cases = MALFORMED.flatMap((path) => METHODS.map((method) => [method, path] as const));

  it.each(cases)('%s %s without a credential: 400 invalid_path', async (method, path) => {
    expectMalformedPath(await send(method, path));
  });

  it.each(cases)('%s %s with a bearer session: 400 invalid_path', async (method, path) => {
    expectMalformedPath(await send(method, path).set('Authorization', `Bearer ${bearer}`));
  });

  it('never reached an upstream, nor logged an error or a stack', () => {
    expect(upstream.calls).toEqual([]);
    expect(errorLines(s.t.logs)).toEqual([]);
  });

  it('still routes well-formed escapes (the controls)', async () => {
    const auth = { Authorization: `Bearer ${bearer}` };
    const unknownHandle = await send('DELETE', '/sessions/%41bc%20d').set(auth);
    expect({ status: unknownHandle.status, code: unknownHandle.body.code }).toEqual({
      status: 404,
      code: 'not_found',
    });
    const proxied = await send('GET', '/livelike/api/users/caf%C3%A9').set(auth);
    expect(proxied.status).toBe(200);
    expect(upstream.calls.map((c) => c.path)).toEqual(['/api/users/caf%C3%A9']);
  });
});

describe("the router's own decoding failure, wherever a guard is missing", () => {
  let server: Server;
  let url: string;
  const logs = new LogCapture();
  beforeAll(async () => {
    const app = express();
    app.use(requestLogger(createLogger('info', logs.stream), app.request));
    app.get('/things/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    app.get('/ours', () => {
      throw new URIError('a bug of ours');
    });
    app.use(errorHandler(DEFAULT_LIMITS));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(['/things/%', '/things/%E0%A4%A', '/things/%ff'])(
    '%s: 400 invalid_path, no error logged',
    async (path) => {
      const res = await request(url).get(path);
      expect({ status: res.status, code: res.body.code }).toEqual({
        status: 400,
        code: 'invalid_path',
      });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(errorLines(logs)).toEqual([]);
    },
  );

  it('keeps a URIError of our own a 500: only the router says the client sent it', async () => {
    const res = await request(url).get('/ours');
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 500,
      code: 'internal_error',
    });
  });
});
