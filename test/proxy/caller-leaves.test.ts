import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connectedBrowser, startWithLikeCoin, type LikeCoinSetup } from '../support/likecoin-flow';
import type { LogCapture } from '../support/log-capture';
import { login } from '../support/login';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { startTestApp, type TestApp } from '../support/test-app';

// A caller who hangs up, at whatever stage, is an info line: never an error-level line, never a
// 5xx, never an "upstream could not be reached".

/** Opens a connection to `baseUrl` and writes `data`; the test destroys it when it likes. */
async function caller(baseUrl: string, data: string): Promise<Socket> {
  const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(data);
  return socket;
}

/** The next log line saying the caller left, within `ms` (it may never come if the code regresses). */
function callerLeftLine(logs: LogCapture, ms = 5_000): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no "caller left" log line')), ms);
  });
  return Promise.race([logs.next((e) => /^caller left/.test(String(e.msg))), timeout]).finally(() =>
    clearTimeout(timer),
  );
}

const errorLines = (logs: LogCapture) => logs.entries().filter((e) => Number(e.level) >= 50);

describe('LiveLike proxy (an upstream of our own)', () => {
  let upstream: RecordingUpstream;
  let t: TestApp;
  let auth: string;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    t = await startTestApp({
      env: { LIVELIKE_API_URL: upstream.apiUrl, UPSTREAM_TIMEOUT_MS: '120000' },
    });
    auth = `Authorization: Bearer ${(await login(t, { sub: 'leaver' })).sessionToken}\r\n`;
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });
  afterEach(() => {
    expect(errorLines(t.logs)).toEqual([]);
  });

  it('while its body is still arriving', async () => {
    const noted = callerLeftLine(t.logs);
    const socket = await caller(
      t.url,
      `POST /livelike/api/upload HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n` +
        'Content-Length: 1000\r\n\r\n{"partial":',
    );
    socket.destroy();
    await noted;
  });

  it('while its streamed body is on its way upstream', async () => {
    const noted = callerLeftLine(t.logs);
    const arrived = once(upstream.events, 'arrived');
    const socket = await caller(
      t.url,
      `POST /livelike/api/upload HTTP/1.1\r\nHost: x\r\n${auth}` +
        'Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    );
    await arrived;
    socket.destroy();
    expect(await noted).toMatchObject({ level: 30 });
  });

  it('while waiting for the upstream to answer', async () => {
    upstream.handler = () => undefined; // never answers
    const noted = callerLeftLine(t.logs);
    const arrived = once(upstream.events, 'arrived');
    const closed = once(upstream.events, 'closed');
    const socket = await caller(t.url, `GET /livelike/api/hang HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
    await arrived;
    socket.destroy();
    await Promise.all([noted, closed]);
  });

  it('while the answer is being relayed', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part of a long answer');
    };
    const noted = callerLeftLine(t.logs);
    const socket = await caller(t.url, `GET /livelike/api/long HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
    await once(socket, 'data');
    socket.destroy();
    expect(await noted).toMatchObject({ stage: 'relay' });
  });
});

describe('LikeCoin proxy, waiting for a token refresh', () => {
  let s: LikeCoinSetup;
  beforeEach(async () => {
    s = await startWithLikeCoin({ LIKECOIN_TIMEOUT_MS: '5000' });
  });
  afterEach(async () => {
    expect(errorLines(s.t.logs)).toEqual([]);
    await s.close();
  });

  it.each(['ok', 'server_error'] as const)(
    'leaves during the refresh (which then answers %s): no API call, no error',
    async (outcome) => {
      const now = () => Math.floor(Date.now() / 1000);
      s.provider.setClock(() => now() - 3600); // the grant is minted expired
      const cookie = await connectedBrowser(s);
      s.provider.setClock(now);
      s.provider.behaviour.token = outcome;
      s.provider.behaviour.tokenDelayMs = 200;
      const apiCalls = s.provider.count('/api/users/profile');
      const noted = callerLeftLine(s.t.logs);
      const refreshing = s.provider.nextRequest('/oauth/access_token');
      const socket = await caller(
        s.t.url,
        `GET /likecoin/api/users/profile HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-CSRF: 1\r\n\r\n`,
      );
      await refreshing;
      socket.destroy();
      expect(await noted).toMatchObject({ level: 30 });
      expect(s.provider.count('/api/users/profile')).toBe(apiCalls);
    },
  );
});
