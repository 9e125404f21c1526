import type { Express } from 'express';
import type { Kv } from '../store/kv';
import type { Metrics } from './metrics';
import { addMetricsRoute, addOpsRoutes } from './ops-routes';

/**
 * /healthz, /readyz, /metrics: probes, never touched by sessions or CSRF. `metricsElsewhere`:
 * the internal listener serves /metrics, so the public port answers 404 for it.
 */
export function mountOps(
  app: Express,
  deps: { kv: Kv; metrics: Metrics },
  metricsElsewhere = false,
): void {
  addOpsRoutes(app, deps);
  if (!metricsElsewhere) addMetricsRoute(app, deps);
}
