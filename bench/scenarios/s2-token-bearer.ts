/** S2: the service's GET /livelike/token with a bearer session. */
import { pidsOf } from '../lib/baseline';
import { login, VIA_HTTPS } from '../lib/service';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function tokenBearer(shared: Shared): Promise<Target> {
  const { service } = shared;
  const session = await login(service, shared.appJwtSecret, 'bench-bearer-user');
  return {
    id: 'S2',
    label: 'S2 token, bearer session',
    connections: SETTINGS.throughputConnections,
    url: `${service.url}/livelike/token`,
    headers: { Authorization: `Bearer ${session.sessionToken}`, ...VIA_HTTPS },
    pids: pidsOf(service.child),
  };
}
