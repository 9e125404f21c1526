/**
 * Baseline (f), the floor of the mandated stack (bench/baselines/floor-token.ts), rotating over
 * BENCH_SESSIONS sessions. `fresh` starts a new process on the same Redis keys and secrets (the
 * sessions stay valid) for S5's comparison.
 */
import { pidsOf, startBaseline, type Baseline } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { expressLoginMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export interface FloorToken {
  target: Target;
  fresh: () => Promise<{ baseline: Baseline; target: Target }>;
}

const FILE = 'bench/baselines/floor-token.ts';

function tokenTarget(b: Baseline, sessions: Record<string, string>[]): Target {
  return {
    id: 'f',
    label: '(f) floor token route',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${b.port}/livelike/token`,
    headers: { 'X-CSRF': '1', ...VIA_HTTPS },
    sessions,
    pids: pidsOf(b.child),
  };
}

export async function floorToken(shared: Shared): Promise<FloorToken> {
  const { runId } = shared;
  const env = {
    REDIS_URL: shared.redisUrl,
    REDIS_KEY_PREFIX: `bench-floor-${runId}:`,
    SESSION_SECRET: `floor-${runId}-${'s'.repeat(32)}`,
    LIVELIKE_CLIENT_ID: 'livelike-bench-client',
    LIVELIKE_CLIENT_SECRET: `floor-${runId}-${'l'.repeat(32)}`,
  };
  const first = await startBaseline('(f) floor-token', FILE, env);
  const cookies = await expressLoginMany(first.port, SETTINGS.sessions, 'bench-floor-user-');
  const sessions = cookies.map((c) => ({ Cookie: c }));
  const fresh = async () => {
    const baseline = await startBaseline('(f) floor-token (memory)', FILE, env);
    return { baseline, target: { ...tokenTarget(baseline, sessions), id: 'f5' } };
  };
  return { target: tokenTarget(first, sessions), fresh };
}
