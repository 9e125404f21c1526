/** S3: GET /likecoin/api/users/profile with a LikeCoin-connected bearer session, proxied to (d). */
import { pidsOf } from '../lib/baseline';
import { connectLikeCoin, login, VIA_HTTPS } from '../lib/service';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export type ProxyTargets = (connections: number, suffix: string) => Target;

/** Connects one session to LikeCoin; the targets (50 and 1 connections) share it. */
export async function proxyTargets(shared: Shared): Promise<ProxyTargets> {
  const { service } = shared;
  const first = await login(service, shared.appJwtSecret, 'bench-proxy-user');
  const token = await connectLikeCoin(service, first.sessionToken);
  return (connections, suffix) => ({
    id: `S3${suffix}`,
    label: `S3 proxy → (d)${suffix}`,
    connections,
    url: `${service.url}/likecoin/api/users/profile`,
    headers: { Authorization: `Bearer ${token}`, ...VIA_HTTPS },
    pids: () => [service.child.pid, shared.upstream.child.pid],
    rssPids: pidsOf(service.child),
  });
}
