/**
 * Baseline (g), the floor proxy (bench/baselines/floor-proxy.ts) in front of (d), rotating over
 * BENCH_SESSIONS sessions (each with its own upstream token in Redis).
 */
import { pidsOf, startBaseline } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { expressLoginMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function floorProxy(shared: Shared): Promise<Target> {
  const { runId, upstream } = shared;
  const { child, port } = await startBaseline('(g) floor-proxy', 'bench/baselines/floor-proxy.ts', {
    REDIS_URL: shared.redisUrl,
    REDIS_KEY_PREFIX: `bench-floorp-${runId}:`,
    SESSION_SECRET: `floorp-${runId}-${'s'.repeat(32)}`,
    UPSTREAM_URL: `http://127.0.0.1:${upstream.port}/api`,
  });
  const cookies = await expressLoginMany(port, SETTINGS.sessions, 'bench-floorp-user-');
  return {
    id: 'g',
    label: '(g) floor proxy → (d)',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${port}/likecoin/api/users/profile`,
    headers: { ...VIA_HTTPS },
    sessions: cookies.map((c) => ({ Cookie: c })),
    pids: () => [child.pid, upstream.child.pid],
    rssPids: pidsOf(child),
  };
}
