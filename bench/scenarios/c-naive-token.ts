/**
 * Baseline (c): the tutorial token route (bench/baselines/naive-token.ts), logged in once with
 * POST /login.
 */
import { pidsOf, startBaseline } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

async function naiveLogin(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: 'bench-cookie-user' }),
  });
  const cookie = res.headers
    .getSetCookie()
    .find((s) => s.startsWith('connect.sid='))
    ?.split(';')[0];
  if (!res.ok || !cookie)
    throw new Error(`(c) naive /login answered ${res.status} without a cookie`);
  return cookie;
}

export async function naiveToken(shared: Shared): Promise<Target> {
  const { runId } = shared;
  const { child, port } = await startBaseline('(c) naive-token', 'bench/baselines/naive-token.ts', {
    REDIS_URL: shared.redisUrl,
    REDIS_KEY_PREFIX: `bench-naive-${runId}:`,
    SESSION_SECRET: `naive-${runId}-${'s'.repeat(32)}`,
    LIVELIKE_CLIENT_ID: 'livelike-bench-client',
    LIVELIKE_CLIENT_SECRET: `naive-${runId}-${'l'.repeat(32)}`,
  });
  const cookie = await naiveLogin(port);
  return {
    id: 'c',
    label: '(c) naive token route',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${port}/livelike/token`,
    headers: { Cookie: cookie, 'X-CSRF': '1', ...VIA_HTTPS },
    pids: pidsOf(child),
  };
}
