import { Router } from 'express';
import type { Kv } from '../store/kv';
import type { Metrics } from './metrics';

export function opsRoutes({ kv, metrics }: { kv: Kv; metrics: Metrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  // A store that does not answer throws StoreUnavailableError: 503 store_unavailable.
  router.get('/readyz', async (_req, res) => {
    await kv.ping();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ready', store: kv.kind });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  return router;
}
