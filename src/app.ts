import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createAppContext } from './app-context';
import type { Config } from './config';
import { mountConsole } from './console/mount-console';
import { mountFrontendClient } from './frontend/mount-frontend-client';
import { mountErrors, mountRequestBasics } from './http/mount-http';
import { likeCoin } from './likecoin/mount-likecoin';
import { liveLike } from './livelike/mount-livelike';
import { createMetrics, type Metrics } from './ops/metrics';
import { mountOpenApi } from './openapi/mount-openapi';
import { mountOps } from './ops/mount-ops';
import { timedKv } from './ops/timed-kv';
import { mountSessions } from './session/mount-sessions';
import type { Provider } from './area/provider';
import type { Kv } from './store/kv';

/**
 * Every provider, named here once: the session layer, the OpenAPI document and the operator's
 * commands are handed this list. Mounted in this order.
 */
export const PROVIDERS: readonly Provider[] = [likeCoin, liveLike];

export interface AppDeps {
  config: Config;
  kv: Kv;
  logger: Logger;
  /** Milliseconds since the epoch; tests move it instead of sleeping. */
  now?: () => number;
}

export interface App {
  app: Express;
  metrics: Metrics;
  /** Closes outbound connection pools (the store is the caller's to close). */
  close(): Promise<void>;
}

/** The service, assembled from its areas in the order a request meets them. */
export function createApp({ config, kv, logger, now = Date.now }: AppDeps): App {
  const metrics = createMetrics();
  const ctx = createAppContext({
    config,
    // Every store operation the service makes is timed (store latency and outages, /metrics).
    kv: timedKv(kv, metrics.storeDuration),
    logger,
    now,
    metrics,
    providers: PROVIDERS,
  });
  const app = express();
  // First: every request gets its id, log line and our security headers, whatever follows.
  mountRequestBasics(app, ctx);
  // Probes before sessions: they never load one, never meet CSRF.
  mountOps(app, ctx);
  // The API's description (OpenAPI 3.1), built once from the schemas the routes validate with.
  mountOpenApi(app, ctx);
  // The developer console (when enabled): a page, so its own CSP; it calls the API like any page.
  mountConsole(app, ctx.config);
  // The frontend client module (client/), for pages that import it from the service itself.
  mountFrontendClient(app, ctx.config);
  // The session chain on every session-bound path, then /session and /sessions.
  mountSessions(app, ctx);
  // Providers: each mounts /<name>/api (the proxy) before /<name>, and says once whether it is
  // configured (503 <name>_not_configured on all its paths if not).
  for (const area of ctx.areas) area.mount(app);
  // Last: unknown paths, then every error as problem+json.
  mountErrors(app, ctx);
  return { app, metrics, close: () => ctx.upstreams.close() };
}
