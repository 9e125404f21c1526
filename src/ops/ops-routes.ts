import type { Express } from 'express';
import type { Kv } from '../store/kv';
import type { Metrics } from './metrics';

/**
 * The probes, as routes of the app itself rather than a router mounted at `/`: every request
 * would otherwise pass through that router's layers on its way to any other route.
 */
export function addOpsRoutes(app: Express, { kv }: { kv: Kv }): void {
  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  // A store that does not answer throws StoreUnavailableError: 503 store_unavailable.
  app.get('/readyz', async (_req, res) => {
    await kv.ping();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ready', store: kv.kind });
  });
}

/** GET /metrics: on the public port, or on the internal listener when there is one. */
export function addMetricsRoute(app: Express, { metrics }: { metrics: Metrics }): void {
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
}
