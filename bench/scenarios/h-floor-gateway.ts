/**
 * Baseline (h), the gateway floor: deploy/nginx's auth_request in front of the floor auth
 * endpoint (bench/baselines/floor-auth.ts), streaming to (d), rotating over BENCH_SESSIONS
 * cookie sessions. At 1 KB and 64 KB answers.
 */
import { pidsOf, startBaseline } from '../lib/baseline';
import { startGatewayNginxChild, type GatewayNginxChild } from '../lib/gateway-nginx';
import { expressLoginMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export interface GatewayPair {
  /** 1 KB and 64 KB answers. */
  small: Target;
  large: Target;
  nginx: GatewayNginxChild;
  /** The auth endpoint itself, without nginx (BENCH_QUICK=auth). */
  auth?: Target;
}

export async function floorGateway(shared: Shared): Promise<GatewayPair | undefined> {
  const { runId, upstream } = shared;
  const auth = await startBaseline('(h) floor-auth', 'bench/baselines/floor-auth.ts', {
    REDIS_URL: shared.redisUrl,
    REDIS_KEY_PREFIX: `bench-floorh-${runId}:`,
    SESSION_SECRET: `floorh-${runId}-${'s'.repeat(32)}`,
  });
  const authUrl = `http://127.0.0.1:${auth.port}`;
  const apiUrl = `http://127.0.0.1:${upstream.port}/api`;
  const nginx = await startGatewayNginxChild('(h) nginx', {
    publicUrl: authUrl,
    internalUrl: authUrl,
    likeCoinApiUrl: apiUrl,
    liveLikeApiUrl: apiUrl,
  });
  if (!nginx) return undefined;
  const cookies = await expressLoginMany(auth.port, SETTINGS.sessions, 'bench-floorh-user-');
  const target = (id: string, label: string, path: string): Target => ({
    id,
    label,
    connections: SETTINGS.throughputConnections,
    url: `${nginx.url}/likecoin/api/users/${path}`,
    sessions: cookies.map((c) => ({ Cookie: c })),
    pids: () => [...nginx.pids(), auth.child.pid, upstream.child.pid],
    rssPids: pidsOf(auth.child),
  });
  return {
    small: target('h', '(h) nginx auth_request → floor auth; → (d)', 'profile'),
    large: target('h-64k', '(h) gateway floor, 64 KB', 'large'),
    nginx,
    auth: {
      ...target('h-auth', '(h) floor auth endpoint alone', ''),
      url: `${authUrl}/auth/likecoin`,
      pids: () => [auth.child.pid],
    },
  };
}
