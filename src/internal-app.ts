import express, { type Express } from 'express';
import type { AppContext } from './app-context';
import { gatewayRoutes } from './gateway/gateway-routes';
import { mountErrors, mountRequestBasics } from './http/mount-http';
import { addMetricsRoute } from './ops/ops-routes';

/**
 * What the internal listener (INTERNAL_PORT) serves: /metrics, and the gateway's forward-auth
 * endpoints /auth/<name>, whose 200 answers carry a provider token in `Authorization`. Only the
 * operator's gateway may reach it: it is never published (see README, "Behind a gateway").
 */
export function createInternalApp(ctx: AppContext): Express {
  const app = express();
  // Its answers go to the gateway and Prometheus only: helmet's headers would be parsed by nginx
  // on every call and thrown away.
  mountRequestBasics(app, ctx, { browserHeaders: false });
  addMetricsRoute(app, ctx);
  app.use(
    gatewayRoutes({
      providers: ctx.providers.map((p, i) => ({
        name: p.name,
        label: p.label,
        proxy: ctx.areas[i]?.proxy,
      })),
      sessionChain: ctx.sessionChain,
      limits: ctx.config.limits,
    }),
  );
  mountErrors(app, ctx);
  return app;
}
