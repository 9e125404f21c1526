import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

// Tracing off must cost nothing: with no OTLP endpoint, a process that loads everything the
// service loads (the preload first, then the app) has none of the OpenTelemetry SDK in memory,
// only the API (a few no-op functions). With an endpoint, the same process has the SDK: the
// test would see a difference.

const ROOT = resolve(__dirname, '../..');

const LIST_LOADED = `
require('./src/tracing/preload.ts');
require('./src/app.ts');
const loaded = Object.keys(require.cache)
  .map((p) => /node_modules\\/(@opentelemetry\\/[^/]+)\\//.exec(p)?.[1])
  .filter(Boolean);
process.stdout.write(JSON.stringify([...new Set(loaded)].sort()));
`;

async function openTelemetryPackagesLoaded(env: Record<string, string>): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '-e', LIST_LOADED],
    { cwd: ROOT, env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env }, timeout: 20_000 },
  );
  return JSON.parse(stdout) as string[];
}

it('loads only the OpenTelemetry API when no endpoint is set', async () => {
  expect(await openTelemetryPackagesLoaded({})).toEqual(['@opentelemetry/api']);
});

it('loads the SDK and its instrumentations when an endpoint is set', async () => {
  const loaded = await openTelemetryPackagesLoaded({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  });
  expect(loaded).toEqual(
    expect.arrayContaining([
      '@opentelemetry/sdk-trace-node',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-undici',
    ]),
  );
});

it('stays off when OTEL_SDK_DISABLED says so, endpoint or not', async () => {
  expect(
    await openTelemetryPackagesLoaded({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_SDK_DISABLED: 'true',
    }),
  ).toEqual(['@opentelemetry/api']);
});
