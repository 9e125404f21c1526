import type { Express } from 'express';
import type { AppContext } from '../app-context';
import { addOpsRoutes } from './ops-routes';

/** /healthz, /readyz, /metrics: probes, never touched by sessions or CSRF. */
export function mountOps(app: Express, ctx: AppContext): void {
  addOpsRoutes(app, { kv: ctx.kv, metrics: ctx.metrics });
}
