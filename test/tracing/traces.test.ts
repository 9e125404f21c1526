import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import {
  asLiker,
  atProvider,
  browserStarts,
  connectedApp,
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  pathOf,
  REDIRECT_URI,
  sessionCookieOf,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startOtlpReceiver, type ExportedSpan, type OtlpReceiver } from '../support/otlp-receiver';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMainForFile } from '../support/spawn-main';
import { BASE_ENV, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// The service as its own process with OTEL_EXPORTER_OTLP_ENDPOINT set, exporting to a collector
// stand-in: what an operator's trace backend would show of a user's proxied call, and that
// nothing a user or the service holds secret is in it.

const SERVER = 2;
const CLIENT = 3;

let receiver: OtlpReceiver;
let provider: LikeCoinStandIn;
let upstream: RecordingUpstream;
let service: ReturnType<typeof spawnMainForFile>;
let stdout: { readonly text: string };
let url: string;
/** Every secret value the tests saw go through the service, searched for in every export. */
const secrets = new Map<string, string>([
  ['LikeCoin client secret', LIKECOIN_CLIENT_SECRET],
  ['LiveLike client secret', LIVELIKE_CLIENT_SECRET],
  ['session secret', BASE_ENV.SESSION_SECRET!],
  ['app JWT secret', BASE_ENV.APP_JWT_SECRET!],
]);

const realSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  provider = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  upstream = await startRecordingUpstream();
  const port = await freePort();
  service = spawnMainForFile({
    ...BASE_ENV,
    ...likeCoinEnv(provider),
    LIKECOIN_API_URL: upstream.apiUrl,
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `test:tracing:${port}:`,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'token-bff-under-test',
    // Batches leave every 50 ms, so a test awaits its spans briefly.
    OTEL_BSP_SCHEDULE_DELAY: '50',
  });
  stdout = collect(service.stdout);
  await lineContaining(service, 'token-bff listening');
  url = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(async () => {
  service?.kill('SIGKILL');
  await upstream?.close();
  await provider?.close();
  await receiver?.close();
});

/** A caller's own trace context, as a gateway in front of the service would send it. */
function callerTraceparent() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

/** An app connected to LikeCoin whose access token expires as it is stored: its next call refreshes. */
async function appWithExpiredGrant(user: string): Promise<string> {
  asLiker(provider, user);
  provider.setClock(() => realSeconds() - 3600);
  try {
    const token = await connectedApp({ t: { url } }, user);
    secrets.set(`bearer session token of ${user}`, token);
    return token;
  } finally {
    provider.setClock(realSeconds);
  }
}

/** Every span of a trace, once its server span (the last to end) is exported. */
async function traceOf(traceId: string, serverSpans = 1): Promise<ExportedSpan[]> {
  for (let seen = 0; seen < serverSpans; seen += 1) {
    await receiver.spanWhere(
      (s) =>
        s.traceId === traceId &&
        s.kind === SERVER &&
        receiver.spans.filter((x) => x.traceId === traceId && x.kind === SERVER).length > seen,
    );
  }
  return receiver.spans.filter((s) => s.traceId === traceId);
}

/** The first line the service logged containing `text` (it may have already). */
function loggedLine(text: string): Promise<string> {
  const find = () => stdout.text.split('\n').find((l) => l.includes(text) && l.endsWith('}'));
  return new Promise((resolve) => {
    const check = () => {
      const line = find();
      if (line === undefined) return;
      service.stdout.off('data', check);
      resolve(line);
    };
    service.stdout.on('data', check);
    check();
  });
}

function childrenOf(spans: ExportedSpan[], parent: ExportedSpan): ExportedSpan[] {
  return spans.filter((s) => s.parentSpanId === parent.spanId);
}

/** Whether `span` descends from `ancestor` within `spans`. */
function under(spans: ExportedSpan[], span: ExportedSpan, ancestor: ExportedSpan): boolean {
  let at: ExportedSpan | undefined = span;
  for (let depth = 0; at && depth < 50; depth += 1) {
    if (at.parentSpanId === ancestor.spanId) return true;
    at = spans.find((s) => s.spanId === at!.parentSpanId);
  }
  return false;
}

it('shows a proxied call that refreshed its grant as one trace continuing the caller’s', async () => {
  const session = await appWithExpiredGrant('traced-liker');
  const caller = callerTraceparent();
  const calls = upstream.calls.length;
  await request(url)
    .get('/likecoin/api/users/profile?fields=all')
    .set('Authorization', `Bearer ${session}`)
    .set('traceparent', caller.header)
    .set('tracestate', 'gateway=abc')
    .expect(200);
  const spans = await traceOf(caller.traceId);
  if (process.env.SHOW_TRACE) process.stdout.write(JSON.stringify(spans, null, 1));

  const server = spans.find((s) => s.kind === SERVER)!;
  expect(server.name).toBe('GET /likecoin/api/*');
  expect(server.parentSpanId).toBe(caller.spanId);
  expect(server.service).toBe('token-bff-under-test');
  expect(server.attributes).toMatchObject({
    'http.route': '/likecoin/api/*',
    'http.response.status_code': 200,
    'url.query': 'fields=[Redacted]',
  });

  const refresh = spans.find((s) => s.name === 'oauth refresh')!;
  expect(under(spans, refresh, server)).toBe(true);
  expect(refresh.attributes).toMatchObject({
    'oauth.provider': 'likecoin',
    'oauth.refresh.reason': 'expiry',
  });
  const tokenCall = childrenOf(spans, refresh).find((s) => s.name === 'oauth token refresh_token')!;
  expect(tokenCall).toBeDefined();
  const tokenHttp = childrenOf(spans, tokenCall);
  expect(tokenHttp.map((s) => [s.name, s.kind, s.attributes['url.full']])).toEqual([
    ['POST', CLIENT, provider.tokenUrl],
  ]);
  // The grant's lock and compare-and-set write, under the refresh.
  expect(childrenOf(spans, refresh).map((s) => s.name)).toEqual(
    expect.arrayContaining(['kv setIfAbsent', 'kv replaceIfEquals', 'kv deleteIfEquals']),
  );
  // The session read, under the request.
  const storeSpans = spans.filter((s) => s.name.startsWith('kv ') && under(spans, s, server));
  expect(storeSpans.length).toBeGreaterThan(3);
  for (const s of storeSpans) {
    expect(s.kind).toBe(CLIENT);
    expect(Object.keys(s.attributes).sort()).toEqual(['db.operation.name', 'db.system.name']);
    expect(s.attributes['db.system.name']).toBe('redis');
  }

  // The upstream call: one client span, and the upstream saw exactly one traceparent, naming
  // that span as its parent in the caller's trace (not the caller's own span).
  const upstreamSpan = spans.find(
    (s) =>
      s.kind === CLIENT && s.name === 'GET' && String(s.attributes['url.full']).includes('/api/'),
  )!;
  expect(under(spans, upstreamSpan, server)).toBe(true);
  expect(upstreamSpan.attributes['url.full']).toBe(
    `${upstream.apiUrl}/users/profile?fields=[Redacted]`,
  );
  const seen = upstream.calls.slice(calls).find((c) => c.path.startsWith('/api/users/profile'))!;
  const traceparents = seen.rawHeaders.filter(
    (_, i) => i % 2 === 0 && /^traceparent$/i.test(seen.rawHeaders[i]!),
  );
  expect(traceparents).toHaveLength(1);
  expect(seen.headers.traceparent).toBe(`00-${caller.traceId}-${upstreamSpan.spanId}-01`);
  expect(seen.headers.tracestate).toBe('gateway=abc');
  // The token endpoint got one too, the child of its client span.
  const tokenRequest = provider.requests.filter((r) => r.path === '/oauth/access_token').at(-1)!;
  expect(tokenRequest.headers.traceparent).toBe(`00-${caller.traceId}-${tokenHttp[0]!.spanId}-01`);

  // The request's log line leads to the trace.
  const logLine = JSON.parse(await loggedLine(`"trace_id":"${caller.traceId}"`));
  expect(logLine).toMatchObject({ msg: 'request completed', span_id: server.spanId });

  secrets.set('LikeCoin access token', String(seen.headers.authorization).replace(/^Bearer /, ''));
  secrets.set('LikeCoin refresh token', provider.liveRefreshToken('traced-liker')!);
});

it('links the calls that waited on a grant’s refresh to the one refresh', async () => {
  const session = await appWithExpiredGrant('waiting-liker');
  provider.behaviour.tokenDelayMs = 300;
  const callers = Array.from({ length: 4 }, () => callerTraceparent());
  try {
    await Promise.all(
      callers.map((c) =>
        request(url)
          .get('/likecoin/api/users/profile')
          .set('Authorization', `Bearer ${session}`)
          .set('traceparent', c.header)
          .expect(200),
      ),
    );
  } finally {
    provider.behaviour.tokenDelayMs = 0;
  }
  const traces = await Promise.all(callers.map((c) => traceOf(c.traceId)));
  const refreshes = traces.flat().filter((s) => s.name === 'oauth refresh');
  expect(refreshes).toHaveLength(1);
  const waits = traces.flat().filter((s) => s.name === 'oauth refresh wait');
  expect(waits.length).toBeGreaterThan(0);
  for (const wait of waits) {
    expect(wait.links).toEqual([{ traceId: refreshes[0]!.traceId, spanId: refreshes[0]!.spanId }]);
    expect(wait.traceId).not.toBe(refreshes[0]!.traceId);
  }
  expect(refreshes.length + waits.length).toBe(callers.length);
});

it('starts a trace of its own for a caller that sends none, and sends it on', async () => {
  const session = await appWithExpiredGrant('untraced-liker');
  const calls = upstream.calls.length;
  await request(url)
    .get('/likecoin/api/users/profile')
    .set('Authorization', `Bearer ${session}`)
    .expect(200);
  const seen = upstream.calls.slice(calls).find((c) => c.path === '/api/users/profile')!;
  const [, traceId, parent] = String(seen.headers.traceparent).split('-');
  const spans = await traceOf(traceId!);
  const server = spans.find((s) => s.kind === SERVER)!;
  expect(server.parentSpanId).toBe('');
  expect(spans.find((s) => s.spanId === parent)?.name).toBe('GET');
});

it('exports no credential, cookie, code, token or secret', async () => {
  // A browser's flow: its cookie, the code and state on the callback.
  const { cookie: first, authorizationUrl } = await browserStarts({ url });
  const back = await atProvider(authorizationUrl);
  secrets.set('authorization code', back.searchParams.get('code')!);
  secrets.set('OAuth state', back.searchParams.get('state')!);
  const callback = await request(url).get(pathOf(back)).set('Cookie', first).expect(302);
  const cookie = sessionCookieOf(callback)!;
  secrets.set('session cookie', decodeURIComponent(cookie.split('=')[1]!));
  secrets.set('session id', decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!);
  // An app's sign-in with its ID token, and a LiveLike token minted for it.
  const idToken = appIdToken({ sub: 'traced-app-user' });
  secrets.set('app ID token', idToken);
  const signedIn = await request(url).post('/session').send({ id_token: idToken }).expect(200);
  secrets.set('bearer session token', signedIn.body.session_token as string);
  const livelike = await request(url)
    .get('/livelike/token')
    .set('Authorization', `Bearer ${signedIn.body.session_token as string}`)
    .expect(200);
  secrets.set('LiveLike token', livelike.body.access_token as string);
  const callbackSpan = await receiver.spanWhere(
    (s) => s.kind === SERVER && s.name === 'GET /likecoin/callback',
  );
  await receiver.spanWhere((s) => s.kind === SERVER && s.name === 'GET /livelike/token');
  expect(callbackSpan.attributes['url.query']).toBe('code=[Redacted]&state=[Redacted]');

  expect(receiver.spans.length).toBeGreaterThan(50);
  const exported = receiver.bodies.join('\n');
  for (const [what, value] of secrets) {
    expect([what, value?.length > 8]).toEqual([what, true]);
    if (exported.includes(value)) throw new Error(`an exported span carries the ${what}`);
  }
});
