/** S1: the service's GET /livelike/token with cookie sessions, rotating over BENCH_SESSIONS users. */
import { pidsOf } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { loginMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export async function tokenCookie(shared: Shared): Promise<Target> {
  const { service } = shared;
  const logins = await loginMany(
    service,
    shared.appJwtSecret,
    SETTINGS.sessions,
    'bench-cookie-user-',
  );
  return {
    id: 'S1',
    label: 'S1 token, cookie session',
    connections: SETTINGS.throughputConnections,
    url: `${service.url}/livelike/token`,
    headers: { 'X-CSRF': '1', ...VIA_HTTPS },
    sessions: logins.map((l) => ({ Cookie: l.cookie })),
    pids: pidsOf(service.child),
  };
}
