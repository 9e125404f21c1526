/**
 * Baseline (c): the tutorial token route (bench/baselines/naive-token.ts), logged in once with
 * POST /login (one session, as the issue measured it).
 */
import { pidsOf, startBaseline } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { expressLogin } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function naiveToken(shared: Shared): Promise<Target> {
  const { runId } = shared;
  const { child, port } = await startBaseline('(c) naive-token', 'bench/baselines/naive-token.ts', {
    REDIS_URL: shared.redisUrl,
    REDIS_KEY_PREFIX: `bench-naive-${runId}:`,
    SESSION_SECRET: `naive-${runId}-${'s'.repeat(32)}`,
    LIVELIKE_CLIENT_ID: 'livelike-bench-client',
    LIVELIKE_CLIENT_SECRET: `naive-${runId}-${'l'.repeat(32)}`,
  });
  const cookie = await expressLogin(port, 'bench-cookie-user');
  return {
    id: 'c',
    label: '(c) naive token route',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${port}/livelike/token`,
    headers: { Cookie: cookie, 'X-CSRF': '1', ...VIA_HTTPS },
    pids: pidsOf(child),
  };
}
