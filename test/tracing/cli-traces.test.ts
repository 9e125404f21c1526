import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver';
import { runCli } from '../support/run-cli';
import { BASE_ENV, LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET } from '../support/test-app';

// The CLI loads tracing first too: `token-bff doctor`'s calls are exported, each carrying a
// traceparent, before the process exits (it flushes first), and nothing secret goes with them.

const CLIENT = 3;

let likecoin: LikeCoinStandIn;
let livelike: LiveLikeStandIn;
let receiver: OtlpReceiver;
beforeAll(async () => {
  likecoin = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  livelike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, LIVELIKE_CLIENT_SECRET);
  receiver = await startOtlpReceiver();
});
afterAll(() => Promise.all([likecoin.close(), livelike.close(), receiver.close()]));

/** `token-bff doctor` against the stand-ins, tracing to the receiver. */
const doctor = (env: Record<string, string> = {}) =>
  runCli(['doctor'], {
    ...BASE_ENV,
    ...likeCoinEnv(likecoin),
    LIVELIKE_API_URL: livelike.apiUrl,
    REDIS_URL: process.env.REDIS_URL!,
    LOG_LEVEL: 'silent',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    ...env,
  });

it('exports the doctor’s calls before it exits, with no secret in them', async () => {
  const res = await doctor();
  expect(res).toMatchObject({ code: 0, err: '' });
  // Already there when the process is gone: nothing is awaited after the exit.
  const calls = receiver.spans.filter((s) => s.kind === CLIENT);
  expect(calls.map((s) => `${s.name} ${String(s.attributes['url.full'])}`).sort()).toEqual(
    [
      `GET ${likecoin.authorizeUrl}?response_type=[Redacted]&client_id=[Redacted]&redirect_uri=[Redacted]&scope=profile+email&state=[Redacted]`,
      `GET ${livelike.apiUrl}/applications/${LIVELIKE_CLIENT_ID}/`,
      `POST ${likecoin.tokenUrl}`,
    ].sort(),
  );
  const token = likecoin.requests.find((r) => r.path === '/oauth/access_token')!;
  const tokenSpan = calls.find((s) => s.name === 'POST')!;
  expect(token.headers.traceparent).toBe(`00-${tokenSpan.traceId}-${tokenSpan.spanId}-01`);
  const exported = receiver.bodies.join('\n');
  const code = new URLSearchParams(token.body).get('code')!;
  for (const secret of [LIKECOIN_CLIENT_SECRET, LIVELIKE_CLIENT_SECRET, code]) {
    expect(exported).not.toContain(secret);
  }
});

it('authenticates to the collector with headers read from OTEL_EXPORTER_OTLP_HEADERS_FILE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-otel-'));
  try {
    const file = join(dir, 'otlp-headers');
    writeFileSync(file, 'x-api-key=collector%20key%2C1,x-tenant=eu\n');
    const before = receiver.headers.length;
    const res = await doctor({ OTEL_EXPORTER_OTLP_HEADERS_FILE: file });
    expect(res).toMatchObject({ code: 0, err: '' });
    const sent = receiver.headers.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) {
      expect(headers).toMatchObject({ 'x-api-key': 'collector key,1', 'x-tenant': 'eu' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
