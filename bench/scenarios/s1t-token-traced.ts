/**
 * S1T: S1 against a second service process with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT at a
 * local sink, the default sampler: every request traced), over S1's own sessions (same Redis,
 * key prefix and secrets). Run beside S1 in the same interleaved rounds, so S1T ÷ S1 is what
 * tracing costs.
 */
import { freePort } from '../../test/support/harness';
import { pidsOf } from '../lib/baseline';
import { LOAD_CPU, startNodeTs, tcpOpen, waitUntil } from '../lib/procs';
import { startService } from '../lib/service';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function tokenCookieTraced(shared: Shared, s1: Target): Promise<Target> {
  const sinkPort = await freePort();
  const sink = startNodeTs('otlp-sink', 'bench/baselines/otlp-sink.ts', [], {
    cpu: LOAD_CPU,
    env: { PATH: process.env.PATH ?? '', PORT: String(sinkPort) },
  });
  await waitUntil(sink, `listening on ${sinkPort}`, () => tcpOpen(sinkPort));
  const service = await startService('token-bff-traced', {
    ...shared.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
    OTEL_SERVICE_NAME: 'token-bff-bench',
  });
  return {
    ...s1,
    id: 'S1T',
    label: 'S1T token, cookie session, tracing on',
    url: `${service.url}/livelike/token`,
    pids: pidsOf(service.child),
  };
}
