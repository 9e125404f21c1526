/** Baseline (d): upstream answering 1 KB of JSON, called directly (started with the shared things). */
import { pidsOf } from '../lib/baseline';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export function upstreamDirect(shared: Shared, connections: number, suffix: string): Target {
  return {
    id: `d${suffix}`,
    label: `(d) upstream direct${suffix}`,
    connections,
    url: `http://127.0.0.1:${shared.upstream.port}/api/users/profile`,
    pids: pidsOf(shared.upstream.child),
  };
}
