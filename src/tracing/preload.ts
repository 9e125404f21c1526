// Imported first by main.ts and cli.ts, before anything it instruments: the HTTP server's
// instrumentation patches node:http as modules require it, so it must be in place before
// express and the server module load. With no OTLP endpoint configured nothing of the SDK is
// loaded at all (the require below is not reached): tracing off costs one environment read.
import { existsSync } from 'node:fs';
import { readBounded, resolveSecretFiles } from '../config/secret-files';
import type { Kv } from '../store/kv';
import { tracingSettings, tracingWanted } from './tracing-settings';

// main.ts and cli.ts read .env the same way, later; the endpoint may be set there.
if (process.env.NODE_ENV !== 'production' && existsSync('.env')) process.loadEnvFile('.env');

const on = tracingWanted(process.env);

let stop: () => Promise<void> = () => Promise.resolve();
if (on) {
  // A conditional synchronous load: an import statement would load the SDK always, and a
  // dynamic import() would finish after the modules it must patch are loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./start-tracing') as typeof import('./start-tracing');
  // The collector's headers may come from a file (a secret); only that file is read here. One
  // that cannot be read is the configuration's to report, which stops start-up.
  const env = resolveSecretFiles(process.env, readBounded, ['OTEL_EXPORTER_OTLP_HEADERS']).env;
  stop = startTracing(tracingSettings(env), (line) => process.stderr.write(`${line}\n`));
}

/** Whether this process traces (OTEL_EXPORTER_OTLP_ENDPOINT is set). */
export const tracingOn = on;

/** The store, with a span per operation when tracing is on; the store itself otherwise. */
export function traceStore(kv: Kv): Kv {
  if (!on) return kv;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tracedKv } = require('./traced-kv') as typeof import('./traced-kv');
  return tracedKv(kv);
}

/** Sends the spans still queued, a bounded time; resolves at once when tracing is off. */
export function stopTracing(): Promise<void> {
  return stop();
}
