import express, { type Express } from 'express';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, gunzipSync } from 'node:zlib';
import request from 'supertest';
import { DEFAULT_LIMITS } from '../../src/config';
import { errorHandler, notFound, toProblem } from '../../src/http/error-handler';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from '../../src/http/http-problem';
import { bodyProblem, jsonBody } from '../../src/http/json-body';
import { createLogger } from '../../src/log/create-logger';
import { discardSessionChanges } from '../../src/session/express-session-adapter';
import { StoreUnavailableError } from '../../src/store/kv';
import { LogCapture } from '../support/log-capture';
import { rawRequest } from '../support/raw-request';

/** An error as body-parser (http-errors) makes them: a status, and its own `type` tag. */
function bodyParserError(type: string, status = 400): Error {
  return Object.assign(new Error(`body-parser says ${type}`), { type, status, expose: true });
}

/** A real zlib failure, as garbage sent with Content-Encoding: gzip produces. */
function zlibError(): unknown {
  try {
    gunzipSync(Buffer.from('this is not gzip'));
  } catch (err) {
    return err;
  }
  throw new Error('gunzip accepted garbage');
}

const BODY_TYPES: [string, number, string][] = [
  ['entity.parse.failed', 400, 'invalid_json'],
  ['entity.too.large', 413, 'payload_too_large'],
  ['encoding.unsupported', 415, 'unsupported_media_type'],
  ['charset.unsupported', 415, 'unsupported_media_type'],
  ['request.aborted', 400, 'request_aborted'],
  ['request.size.invalid', 400, 'invalid_content_length'],
  ['stream.encoding.set', 400, 'invalid_body'],
  ['stream.not.readable', 400, 'invalid_body'],
  ['entity.verify.failed', 400, 'invalid_body'],
  ['a.type.added.later', 400, 'invalid_body'],
  ['', 400, 'invalid_body'],
];

describe('toProblem', () => {
  const limits = { storeRetryAfterSeconds: DEFAULT_LIMITS.storeRetryAfterSeconds };

  it('passes an HttpProblem through as it is', () => {
    const problem = new HttpProblem(418, 'teapot', 'Short and stout.', { 'X-Spout': '1' });
    expect(toProblem(problem, limits)).toBe(problem);
  });

  it.each([DEFAULT_LIMITS.storeRetryAfterSeconds, 9])(
    'makes a store outage a 503 store_unavailable with Retry-After %s',
    (seconds) => {
      const problem = toProblem(new StoreUnavailableError(new Error('ECONNREFUSED')), {
        storeRetryAfterSeconds: seconds,
      });
      expect(problem.status).toBe(503);
      expect(problem.code).toBe('store_unavailable');
      expect(problem.headers).toEqual({ 'Retry-After': String(seconds) });
    },
  );

  it.each(BODY_TYPES)('body-parser type "%s" ⇒ %i %s', (type, status, code) => {
    const problem = toProblem(bodyParserError(type), limits);
    expect([problem.status, problem.code]).toEqual([status, code]);
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('the database password is hunter2')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a string', 'something broke'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an object with a non-string type', { type: 7 }],
  ])('%s ⇒ 500 internal_error, saying nothing of it', (_name, thrown) => {
    const problem = toProblem(thrown, limits);
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('internal_error');
    expect(problem.detail).toBe('Something went wrong on our side.');
    expect(problem.headers).toEqual({});
  });
});

describe('bodyProblem', () => {
  it.each(BODY_TYPES)('type "%s" ⇒ %i %s', (type, status, code) => {
    const problem = bodyProblem(bodyParserError(type));
    expect([problem.status, problem.code]).toEqual([status, code]);
  });

  it.each<[string, unknown]>([
    ['a zlib error', zlibError()],
    ['an untagged Error', new Error('unexpected end of file')],
    ['null', null],
    ['a string', 'entity.parse.failed'],
  ])('%s ⇒ 400 invalid_body, pointing at Content-Encoding', (_name, err) => {
    const problem = bodyProblem(err);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('invalid_body');
    expect(problem.detail).toMatch(/Content-Encoding/);
  });
});

describe('errorHandler in an Express app', () => {
  const capture = new LogCapture();
  const logger = createLogger('info', capture.stream);
  let app: Express;
  let server: Server;
  let baseUrl: string;
  /** req.session as the last 'finish' hook saw it. */
  let sessionSeen: Promise<unknown>;

  beforeAll(async () => {
    app = express();
    app.use((req, res, next) => {
      req.log = logger;
      // As the session chain leaves it: an object the handler must drop so nothing is saved.
      (req as unknown as { session: unknown }).session = { user: 'u-1', cookie: {} };
      sessionSeen = new Promise((resolve) =>
        res.on('finish', () => resolve((req as unknown as { session: unknown }).session)),
      );
      next();
    });
    app.get('/problem/:status', (req) => {
      const status = Number(req.params.status);
      throw new HttpProblem(status, `problem_${status}`, 'As asked.', { 'X-Problem': 'yes' });
    });
    app.get('/store', () => {
      throw new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    });
    app.get('/plain', () => {
      throw new Error('the database password is hunter2');
    });
    app.get('/rejected', async () => {
      await Promise.resolve();
      throw new TypeError('async failure');
    });
    app.get('/string', () => {
      throw 'a thrown string';
    });
    app.post('/parsed', ...jsonBody(64), (_req, res) => res.json({ ok: true }));
    app.post('/raw-parser', express.json({ limit: 64 }), (_req, res) => res.json({ ok: true }));
    app.get('/half-sent', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first half;');
      throw new Error('the stream broke');
    });
    app.use(notFound);
    app.use(errorHandler(DEFAULT_LIMITS, [discardSessionChanges]));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });

  beforeEach(() => {
    capture.lines.length = 0;
  });

  const errorLines = () => capture.entries().filter((e) => e.level === 50);

  it.each<[string, number, string, string, Record<string, string>]>([
    ['an HttpProblem (4xx)', 409, 'problem_409', '/problem/409', { 'x-problem': 'yes' }],
    ['an HttpProblem (5xx)', 502, 'problem_502', '/problem/502', { 'x-problem': 'yes' }],
    ['a store outage', 503, 'store_unavailable', '/store', { 'retry-after': '2' }],
    ['a plain Error', 500, 'internal_error', '/plain', {}],
    ['a rejected promise', 500, 'internal_error', '/rejected', {}],
    ['a thrown string', 500, 'internal_error', '/string', {}],
    ['no route', 404, 'not_found', '/nowhere', {}],
  ])('%s ⇒ problem+json %i %s', async (_name, status, code, path, headers) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers).toMatchObject(headers);
    expect(JSON.parse(res.text)).toEqual({
      type: `urn:token-bff:problem:${code}`,
      title: expect.any(String),
      status,
      code,
      detail: expect.any(String),
    });
    expect(res.text).not.toMatch(/hunter2|async failure|a thrown string|at .*\.ts:\d+/);
  });

  it.each(['/plain', '/rejected', '/store', '/problem/502'])(
    'logs a 5xx (%s) at error level with its problem code, never as `code`',
    async (path) => {
      const res = await request(app).get(path);
      const lines = errorLines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ msg: 'request failed', problem: res.body.code });
      expect(lines[0]).not.toHaveProperty('code');
      expect(lines[0]).toHaveProperty('err');
    },
  );

  it.each(['/problem/400', '/problem/404', '/problem/499', '/nowhere'])(
    'does not log a 4xx (%s) at error level',
    async (path) => {
      const res = await request(app).get(path);
      expect(res.status).toBeLessThan(500);
      expect(errorLines()).toEqual([]);
    },
  );

  it.each<[string, number, string, () => request.Test]>([
    [
      'malformed JSON',
      400,
      'invalid_json',
      () => request(app).post('/parsed').type('application/json').send('{"a":'),
    ],
    [
      'a body over the limit',
      413,
      'payload_too_large',
      () =>
        request(app)
          .post('/parsed')
          .type('application/json')
          .send(`{"a":"${'x'.repeat(100)}"}`),
    ],
    [
      'an unknown charset',
      415,
      'unsupported_media_type',
      () =>
        request(app)
          .post('/parsed')
          .set('content-type', 'application/json; charset=klingon')
          .send('{}'),
    ],
    [
      'garbage sent as gzip',
      400,
      'invalid_body',
      () =>
        request(app)
          .post('/parsed')
          .set('content-type', 'application/json')
          .set('content-encoding', 'gzip')
          .send('not gzip at all'),
    ],
    [
      'malformed JSON through a bare express.json()',
      400,
      'invalid_json',
      () => request(app).post('/raw-parser').type('application/json').send('{"a":'),
    ],
    [
      'an unsupported Content-Encoding through a bare express.json()',
      415,
      'unsupported_media_type',
      () =>
        request(app)
          .post('/raw-parser')
          .set('content-type', 'application/json')
          .set('content-encoding', 'x-klingon')
          .send('{}'),
    ],
  ])('a real body-parser failure: %s ⇒ %i %s', async (_name, status, code, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.body.code).toBe(code);
    expect(errorLines()).toEqual([]);
  });

  it('parses what it should (the body routes work at all)', async () => {
    const res = await rawRequest(baseUrl, '/parsed', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"a":1}'),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
  });

  it('cuts the connection for an error after the headers were sent', async () => {
    const seen = await new Promise<{ status: number; body: string; outcome: string }>(
      (resolve, reject) => {
        const req = httpRequest(`${baseUrl}/half-sent`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          const done = (outcome: string) => resolve({ status: res.statusCode ?? 0, body, outcome });
          res.on('error', () => done('error'));
          res.on('aborted', () => done('aborted'));
          res.on('end', () => done(res.complete ? 'complete' : 'truncated'));
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(seen.status).toBe(200);
    expect(seen.body).toBe('first half;');
    expect(seen.outcome).not.toBe('complete');
    expect(seen.body).not.toContain('HTTP/1.1');
    expect(seen.body).not.toContain('internal_error');
    expect(errorLines()).toHaveLength(1);
  });

  it.each(['/problem/400', '/plain', '/store'])(
    'drops req.session (%s) so nothing of the failed request is saved',
    async (path) => {
      await request(app).get(path);
      await expect(sessionSeen).resolves.toBeNull();
    },
  );

  it('leaves req.session alone when nothing failed', async () => {
    await request(app).post('/parsed').set('content-type', 'application/json').send('{}');
    await expect(sessionSeen).resolves.toEqual({ user: 'u-1', cookie: {} });
  });
});

describe('a zlib error that reaches the handler untagged', () => {
  it('is the caller’s body: a 400 invalid_body, not a 500', () => {
    const problem = toProblem(zlibError(), DEFAULT_LIMITS);
    expect([problem.status, problem.code]).toEqual([400, 'invalid_body']);
  });
});
