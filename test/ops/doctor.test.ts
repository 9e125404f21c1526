import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROVIDERS } from '../../src/app';
import { loadConfig } from '../../src/config';
import { runDoctorCommand, USAGE } from '../../src/ops/operator-commands';
import {
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
  likeCoinEnv,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { freePort } from '../support/redis-server';
import { runCli } from '../support/run-cli';
import { BASE_ENV, LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

/** A provider that answers whatever the test says, for the answers the stand-ins never give. */
interface Scripted {
  url: string;
  answer: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  close(): Promise<void>;
}

async function startScripted(): Promise<Scripted> {
  const scripted: Scripted = {
    url: '',
    answer: (_req, _body, res) => res.writeHead(204).end(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => scripted.answer(req, body, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  scripted.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return scripted;
}

let likecoin: LikeCoinStandIn;
let livelike: LiveLikeStandIn;
let scripted: Scripted;
let env: Record<string, string>;
beforeAll(async () => {
  likecoin = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  scripted = await startScripted();
  env = {
    ...BASE_ENV,
    ...likeCoinEnv(likecoin),
    LIVELIKE_API_URL: livelike.apiUrl,
    REDIS_URL: process.env.REDIS_URL!,
    LOG_LEVEL: 'silent',
  };
});
afterAll(() => Promise.all([likecoin.close(), livelike.close(), scripted.close()]));
afterEach(() => {
  likecoin.behaviour.token = 'ok';
});

/** Every value in the environment that must never be printed. */
const secrets = () =>
  [
    LIKECOIN_CLIENT_SECRET,
    LIVELIKE_CLIENT_SECRET,
    env.SESSION_SECRET!,
    env.TOKEN_ENCRYPTION_KEY!,
    env.APP_JWT_SECRET!,
  ].filter(Boolean);

/** The doctor in this process, on the configuration these variables make; what it printed. */
async function doctor(vars: Record<string, string | undefined> = {}) {
  const { config } = loadConfig({ ...env, ...vars });
  let out = '';
  const checks = PROVIDERS.flatMap((provider) => provider.doctorChecks(config));
  const code = await runDoctorCommand(config, { write: (text: string) => (out += text) }, checks);
  for (const secret of secrets()) expect(out).not.toContain(secret);
  return { code, out, line: (check: string) => lineOf(out, check) };
}

function lineOf(out: string, check: string): string {
  const line = out.split('\n').find((l) => l.slice(6).startsWith(`${check} `));
  if (line === undefined) throw new Error(`no "${check}" line in:\n${out}`);
  return line;
}

it('against the stand-ins: four ok lines, exit 0, and the client secret only in the token form', async () => {
  const before = likecoin.requests.length;
  const res = await runCli(['doctor'], env);
  expect(res).toMatchObject({ code: 0, err: '' });
  const lines = res.out.trimEnd().split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^ok {4}store {17}redis 127\.0\.0\.1:\d+ answers$/);
  expect(lines[1]).toBe(
    `ok    likecoin authorize    ${likecoin.authorizeUrl} answered 302 (to ${REDIRECT_URI})`,
  );
  expect(lines[2]).toBe(
    `ok    likecoin token        ${likecoin.tokenUrl} refuses a made-up code: 400 INVALID_GRANT`,
  );
  expect(lines[3]).toBe(
    `ok    livelike application  ${livelike.apiUrl}/applications/${LIVELIKE_CLIENT_ID}/ answered 200 ("LiveLike stand-in")`,
  );
  for (const secret of secrets()) expect(res.out + res.err).not.toContain(secret);

  const sent = likecoin.requests.slice(before);
  const token = sent.find((r) => r.path === '/oauth/access_token')!;
  expect(new URLSearchParams(token.body).get('client_secret')).toBe(LIKECOIN_CLIENT_SECRET);
  expect(new URLSearchParams(token.body).get('code')).toMatch(/^token-bff-doctor-[0-9a-f]{32}$/);
  for (const r of sent)
    expect(r.path + JSON.stringify(r.headers)).not.toContain(LIKECOIN_CLIENT_SECRET);
  const application = livelike.requests.at(-1)!;
  expect(application.headers.authorization).toBeUndefined();
});

it('a dead authorize URL: its line is FAIL and the exit code is not 0', async () => {
  const dead = `${likecoin.url}/in/oauth-retired`;
  const res = await runCli(['doctor'], { ...env, LIKECOIN_AUTHORIZE_URL: dead });
  expect(res.code).toBe(1);
  expect(lineOf(res.out, 'likecoin authorize')).toBe(
    `FAIL  likecoin authorize    ${dead} answered 404: no page there; check the authorize URL`,
  );
  expect(res.out.match(/^ok /gm)).toHaveLength(3);
});

it('the usage text names the doctor', () => {
  expect(USAGE).toMatch(/^ {2}doctor {2,}check the configuration/m);
});

describe('the authorize page', () => {
  it.each([
    [200, 'ok'],
    [302, 'ok'],
    [400, 'ok'],
    [404, 'FAIL'],
    [410, 'FAIL'],
    [503, 'FAIL'],
  ])('answering %i: %s', async (status, verdict) => {
    scripted.answer = (_req, _body, res) => res.writeHead(status).end();
    const { code, line } = await doctor({ LIKECOIN_AUTHORIZE_URL: `${scripted.url}/in/oauth` });
    expect(line('likecoin authorize')).toMatch(
      new RegExp(`^${verdict} +likecoin authorize +${scripted.url}/in/oauth answered ${status}`),
    );
    expect(code).toBe(verdict === 'ok' ? 0 : 1);
  });
});

describe('the token endpoint', () => {
  it('down (a closed port): FAIL, cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/oauth/access_token`;
    const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: closed });
    expect(line('likecoin token')).toBe(
      `FAIL  likecoin token        ${closed} cannot be reached (ECONNREFUSED)`,
    );
    expect(code).toBe(1);
  });

  it('silent: FAIL once LIKECOIN_TIMEOUT_MS has passed', async () => {
    likecoin.behaviour.token = 'hang';
    const { code, line } = await doctor({ LIKECOIN_TIMEOUT_MS: '200' });
    expect(line('likecoin token')).toMatch(/^FAIL .* gave no answer within 200 ms$/);
    expect(code).toBe(1);
  });

  it.each([
    ['server_error', 'answered 500 (no error code in its text/plain answer)'],
    [
      'invalid_client',
      'refused our client: 400 INVALID_CLIENT_CRED; check the client id and secret',
    ],
  ] as const)('%s: FAIL, %s', async (mode, says) => {
    likecoin.behaviour.token = mode;
    const { code, line } = await doctor();
    expect(line('likecoin token')).toBe(`FAIL  likecoin token        ${likecoin.tokenUrl} ${says}`);
    expect(code).toBe(1);
  });

  it('accepting a made-up code: FAIL', async () => {
    scripted.answer = (_req, _body, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"x"}');
    const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: `${scripted.url}/token` });
    expect(line('likecoin token')).toMatch(/^FAIL .* accepted a made-up code \(200\)$/);
    expect(code).toBe(1);
  });

  it.each([
    ['a JSON error', 'application/json', '{"error":"invalid_grant"}', '400 invalid_grant'],
    [
      'a JSON error that is no code',
      'application/json',
      '{"error":"\\u001b[2Jgone"}',
      '400 (no error code in its application/json answer)',
    ],
    [
      'the form it was sent, echoed',
      'text/plain',
      null,
      '400 (no error code in its text/plain answer)',
    ],
    [
      'a page',
      'text/html; charset=utf-8',
      '<h1>Bad</h1>',
      '400 (no error code in its text/html answer)',
    ],
  ])(
    'refusing with %s: ok, and only a code-shaped code is printed',
    async (_what, type, body, says) => {
      scripted.answer = (_req, sent, res) =>
        res.writeHead(400, { 'content-type': type }).end(body ?? sent);
      const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: `${scripted.url}/token` });
      expect(line('likecoin token')).toBe(
        `ok    likecoin token        ${scripted.url}/token refuses a made-up code: ${says}`,
      );
      expect(code).toBe(0);
    },
  );

  it('refusing with any other 4xx: ok, its status on record', async () => {
    scripted.answer = (_req, _body, res) => res.writeHead(403).end();
    const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: `${scripted.url}/token` });
    expect(line('likecoin token')).toBe(
      `ok    likecoin token        ${scripted.url}/token refuses a made-up code: 403 (no error code in its unlabelled answer)`,
    );
    expect(code).toBe(0);
  });

  it('redirecting: FAIL, not the token endpoint itself', async () => {
    scripted.answer = (_req, _body, res) =>
      res.writeHead(301, { location: '/oauth/v2/token?from=old' }).end();
    const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: `${scripted.url}/token` });
    expect(line('likecoin token')).toBe(
      `FAIL  likecoin token        ${scripted.url}/token answered 301 (to ${scripted.url}/oauth/v2/token): not the token endpoint itself`,
    );
    expect(code).toBe(1);
  });

  it('busy (429): FAIL, not a verdict', async () => {
    scripted.answer = (_req, _body, res) => res.writeHead(429).end();
    const { code, line } = await doctor({ LIKECOIN_TOKEN_URL: `${scripted.url}/token` });
    expect(line('likecoin token')).toMatch(/^FAIL .* answered 429 .*: busy, not a verdict/);
    expect(code).toBe(1);
  });
});

it('a LiveLike client id LiveLike does not know: FAIL with its detail', async () => {
  const { code, line } = await doctor({ LIVELIKE_CLIENT_ID: 'not-our-app' });
  expect(line('livelike application')).toBe(
    `FAIL  livelike application  ${livelike.apiUrl}/applications/not-our-app/ answered 404 "Not found."; check the client id and API URL`,
  );
  expect(code).toBe(1);
});

it('the store down: FAIL, and the other checks still run', async () => {
  const port = await freePort();
  const { code, out, line } = await doctor({
    REDIS_URL: `redis://:store-password@127.0.0.1:${port}`,
  });
  expect(line('store')).toMatch(
    new RegExp(`^FAIL  store {17}redis 127\\.0\\.0\\.1:${port} does not answer \\(.+\\)$`),
  );
  expect(out).not.toContain('store-password');
  expect(out.match(/^ok /gm)).toHaveLength(3);
  expect(code).toBe(1);
});

it('nothing configured: a skip line per check, exit 0', async () => {
  const { code, out } = await doctor({
    REDIS_URL: undefined,
    LIKECOIN_CLIENT_ID: undefined,
    LIKECOIN_CLIENT_SECRET: undefined,
    LIVELIKE_CLIENT_ID: undefined,
    LIVELIKE_CLIENT_SECRET: undefined,
  });
  expect(out.trimEnd().split('\n')).toEqual([
    'skip  store                 no Redis configured: the embedded store lives inside the service',
    'skip  likecoin authorize    not configured (LIKECOIN_CLIENT_ID, LIKECOIN_CLIENT_SECRET unset)',
    'skip  likecoin token        not configured (LIKECOIN_CLIENT_ID, LIKECOIN_CLIENT_SECRET unset)',
    'skip  livelike application  not configured (LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET unset)',
  ]);
  expect(code).toBe(0);
});
