import type { Histogram } from 'prom-client';
import { StoreUnavailableError, type Kv } from '../store/kv';

/** The store operations the service runs per request (not ready/close: the process's own). */
const TIMED = [
  'get',
  'set',
  'setIfAbsent',
  'setUnlessValue',
  'swap',
  'take',
  'deleteIfEquals',
  'replaceIfEquals',
  'extend',
  'pushCapped',
  'hashSet',
  'hashUpdate',
  'hashGet',
  'hashGetAll',
  'hashDelete',
  'hashDeleteLast',
  'getIfMember',
  'increment',
  'decrement',
  'del',
  'ping',
] as const satisfies readonly (keyof Kv)[];

type TimedOperation = (typeof TIMED)[number];
type Operation = (...args: unknown[]) => Promise<unknown>;

/**
 * `kv`, with every operation timed into `duration` by operation and outcome: `ok`,
 * `unavailable` (the store did not answer: an outage, a failover, a slow node) or `error`.
 * Everything else (its kind, its client) is `kv`'s own, through the prototype chain.
 */
export function timedKv(kv: Kv, duration: Histogram<'operation' | 'outcome'>): Kv {
  const timed = Object.create(kv) as Record<TimedOperation | 'ready' | 'close', Operation>;
  // Run on `kv` itself, never on this object (which would take any field they set).
  timed.ready = kv.ready.bind(kv) as Operation;
  timed.close = kv.close.bind(kv);
  for (const operation of TIMED) {
    const run = (kv[operation] as Operation).bind(kv);
    // Each (operation, outcome) series looked up once, not per call: this is on every request.
    const ok = duration.labels({ operation, outcome: 'ok' });
    const unavailable = duration.labels({ operation, outcome: 'unavailable' });
    const failed = duration.labels({ operation, outcome: 'error' });
    timed[operation] = async (...args) => {
      const started = performance.now();
      try {
        const result = await run(...args);
        ok.observe((performance.now() - started) / 1000);
        return result;
      } catch (err) {
        const seconds = (performance.now() - started) / 1000;
        (err instanceof StoreUnavailableError ? unavailable : failed).observe(seconds);
        throw err;
      }
    };
  }
  return timed as unknown as Kv;
}
