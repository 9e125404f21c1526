import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Kv } from '../store/kv';

/**
 * The store with a client span per operation (`kv get`, `kv swap`, …), a child of the request's
 * span. The spans name the operation and the store, never a key or a value: keys carry session
 * and grant ids, values carry tokens. Tracing the Kv rather than the Redis client covers the
 * embedded store too, and names what the service did rather than the script it took.
 * An operation outside any span (a probe, a timer) is not traced: it would be a trace alone.
 */
export function tracedKv(kv: Kv): Kv {
  const tracer = trace.getTracer('token-bff');
  const system = kv.kind === 'redis' ? 'redis' : 'token-bff.memory';
  const traced =
    <A extends unknown[], R>(operation: string, run: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (!trace.getSpan(context.active())) return run(...args);
      return tracer.startActiveSpan(
        `kv ${operation}`,
        {
          kind: SpanKind.CLIENT,
          attributes: { 'db.system.name': system, 'db.operation.name': operation },
        },
        async (span) => {
          try {
            return await run(...args);
          } catch (err) {
            // The error's class only: a message may quote what the store was asked.
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.setAttribute('error.type', err instanceof Error ? err.name : 'unknown');
            throw err;
          } finally {
            span.end();
          }
        },
      );
    };
  return {
    get kind() {
      return kv.kind;
    },
    get: traced('get', kv.get.bind(kv)),
    set: traced('set', kv.set.bind(kv)),
    setIfAbsent: traced('setIfAbsent', kv.setIfAbsent.bind(kv)),
    setUnlessValue: traced('setUnlessValue', kv.setUnlessValue.bind(kv)),
    swap: traced('swap', kv.swap.bind(kv)),
    take: traced('take', kv.take.bind(kv)),
    deleteIfEquals: traced('deleteIfEquals', kv.deleteIfEquals.bind(kv)),
    replaceIfEquals: traced('replaceIfEquals', kv.replaceIfEquals.bind(kv)),
    extend: traced('extend', kv.extend.bind(kv)),
    pushCapped: traced('pushCapped', kv.pushCapped.bind(kv)),
    hashSet: traced('hashSet', kv.hashSet.bind(kv)),
    hashUpdate: traced('hashUpdate', kv.hashUpdate.bind(kv)),
    hashGet: traced('hashGet', kv.hashGet.bind(kv)),
    hashGetAll: traced('hashGetAll', kv.hashGetAll.bind(kv)),
    hashDelete: traced('hashDelete', kv.hashDelete.bind(kv)),
    hashDeleteLast: traced('hashDeleteLast', kv.hashDeleteLast.bind(kv)),
    getIfMember: traced('getIfMember', kv.getIfMember.bind(kv)),
    increment: traced('increment', kv.increment.bind(kv)),
    decrement: traced('decrement', kv.decrement.bind(kv)),
    del: traced('del', kv.del.bind(kv)),
    ping: traced('ping', kv.ping.bind(kv)),
    ready: kv.ready.bind(kv),
    close: kv.close.bind(kv),
  };
}
