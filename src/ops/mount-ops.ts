import type { Express } from 'express';
import type { Kv } from '../store/kv';
import type { Metrics } from './metrics';
import { addOpsRoutes } from './ops-routes';

/** /healthz, /readyz, /metrics: probes, never touched by sessions or CSRF. */
export function mountOps(app: Express, deps: { kv: Kv; metrics: Metrics }): void {
  addOpsRoutes(app, deps);
}
