/**
 * S3: GET /likecoin/api/users/profile with LikeCoin-connected bearer sessions, proxied to (d),
 * rotating over as many of BENCH_SESSIONS sessions as connect within BENCH_S3_SETUP_SECONDS,
 * spread over BENCH_LIKERS Liker users.
 */
import { pidsOf } from '../lib/baseline';
import { VIA_HTTPS } from '../lib/service';
import { connectMany } from '../lib/sessions';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export type ProxyTargets = (connections: number, suffix: string) => Target;

/** Connects the sessions to LikeCoin once; the targets (50 and 1 connections) share them. */
export async function proxyTargets(shared: Shared): Promise<ProxyTargets> {
  const { service } = shared;
  const tokens = await connectMany(service, shared.appJwtSecret, shared.standIn, {
    count: SETTINGS.sessions,
    likers: SETTINGS.likers,
    budgetSec: SETTINGS.s3SetupSeconds,
  });
  if (tokens.length === 0) throw new Error('S3: no session connected to LikeCoin in time');
  const sessions = tokens.map((t) => ({ Authorization: `Bearer ${t}` }));
  return (connections, suffix) => ({
    id: `S3${suffix}`,
    label: `S3 proxy → (d)${suffix}`,
    connections,
    url: `${service.url}/likecoin/api/users/profile`,
    headers: { ...VIA_HTTPS },
    sessions,
    pids: () => [service.child.pid, shared.upstream.child.pid],
    rssPids: pidsOf(service.child),
  });
}
