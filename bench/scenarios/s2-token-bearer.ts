/** S2: the service's GET /livelike/token with bearer sessions, rotating over BENCH_SESSIONS users. */
import { pidsOf } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { loginMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function tokenBearer(shared: Shared): Promise<Target> {
  const { service } = shared;
  const logins = await loginMany(
    service,
    shared.appJwtSecret,
    SETTINGS.sessions,
    'bench-bearer-user-',
  );
  return {
    id: 'S2',
    label: 'S2 token, bearer session',
    connections: SETTINGS.throughputConnections,
    url: `${service.url}/livelike/token`,
    headers: { ...VIA_HTTPS },
    sessions: logins.map((l) => ({ Authorization: `Bearer ${l.sessionToken}` })),
    pids: pidsOf(service.child),
  };
}
