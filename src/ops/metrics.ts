import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { methodLabel, routeLabel } from './route-labels';

export interface Metrics {
  registry: Registry;
  tokensMinted: Counter;
  sessionsCreated: Counter;
  /** By reason: logout, everywhere, revoked, expired, idle, too_many_sessions, replaced, legacy_identity (never a session that only lost its grant: it lives on). */
  sessionsEnded: Counter<'reason'>;
  /** Refresh calls to a provider's token endpoint, by provider and outcome. */
  refreshes: Counter<'provider' | 'outcome'>;
  /** Callers that got their token from a refresh another caller made. */
  refreshWaits: Counter<'provider'>;
  /** New connections of a subject that already had a grant (its tokens replaced). */
  grantsReplaced: Counter<'provider'>;
  /** Store operations, by operation and outcome (ok, unavailable, error). */
  storeDuration: Histogram<'operation' | 'outcome'>;
  /** Times every request, labelled by declared route pattern (never the raw path), method and status. */
  timeRequests: RequestHandler;
}

/** One registry per app, so two apps in one process (tests, benchmarks) never collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const timeRequests: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once('finish', () => {
      // Declared patterns and a fixed set of methods only: a label from what the client sent
      // (its spelling of a path, an odd method) would let anyone add series at will.
      end({ method: methodLabel(req.method), route: routeLabel(req), status: res.statusCode });
    });
    next();
  };
  return {
    registry,
    tokensMinted: new Counter({
      name: 'livelike_tokens_minted_total',
      help: 'LiveLike profile tokens minted',
      registers,
    }),
    sessionsCreated: new Counter({
      name: 'sessions_created_total',
      help: 'Sessions started by a login',
      registers,
    }),
    sessionsEnded: new Counter({
      name: 'sessions_ended_total',
      help: 'Sessions ended, by reason',
      labelNames: ['reason'],
      registers,
    }),
    refreshes: new Counter({
      name: 'oauth_refreshes_total',
      help: 'Refresh calls to the token endpoint, by outcome',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    refreshWaits: new Counter({
      name: 'oauth_refresh_waits_total',
      help: 'Callers that shared a refresh another caller made',
      labelNames: ['provider'],
      registers,
    }),
    grantsReplaced: new Counter({
      name: 'oauth_grants_replaced_total',
      help: 'Grants whose tokens a new connection of the same subject replaced',
      labelNames: ['provider'],
      registers,
    }),
    storeDuration: new Histogram({
      name: 'store_operation_duration_seconds',
      help: 'Time of a store operation, by operation and outcome (ok, unavailable, error)',
      labelNames: ['operation', 'outcome'],
      // The Redis command timeout is 1 s: nothing waits longer.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    timeRequests,
  };
}
