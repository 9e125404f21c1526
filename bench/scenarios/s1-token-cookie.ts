/** S1: the service's GET /livelike/token with a cookie session. */
import { pidsOf } from '../lib/baseline';
import { login, VIA_HTTPS } from '../lib/service';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function tokenCookie(shared: Shared): Promise<Target> {
  const { service } = shared;
  const session = await login(service, shared.appJwtSecret, 'bench-cookie-user');
  return {
    id: 'S1',
    label: 'S1 token, cookie session',
    connections: SETTINGS.throughputConnections,
    url: `${service.url}/livelike/token`,
    headers: { Cookie: session.cookie, 'X-CSRF': '1', ...VIA_HTTPS },
    pids: pidsOf(service.child),
  };
}
