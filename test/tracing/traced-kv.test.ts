import { context, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { traceRefresh, traceTokenCall, traceWait } from '../../src/oauth/oauth-spans';
import { StoreUnavailableError } from '../../src/store/kv';
import { MemoryKv } from '../../src/store/memory-kv';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { tracedKv } from '../../src/tracing/traced-kv';
import { traceFields } from '../../src/log/trace-fields';
import { freePort } from '../support/redis-server';

// The spans the service makes itself, with the real SDK exporting to memory (jest gives each
// test file its own global, so this provider is this file's alone).

const exported = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exported)] });
provider.register();
const tracer = trace.getTracer('test');

afterEach(() => exported.reset());
afterAll(() => provider.shutdown());

function inRequest<T>(run: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan('request', (span) => run().finally(() => span.end()));
}

it('makes a client span per store operation inside a request, naming no key or value', async () => {
  const kv = tracedKv(new MemoryKv());
  await inRequest(async () => {
    await kv.set('session:secret-id', 'token-value', 1000);
    expect(await kv.get('session:secret-id')).toBe('token-value');
  });
  const spans = exported.getFinishedSpans();
  const request = spans.find((s) => s.name === 'request')!;
  const store = spans.filter((s) => s.name.startsWith('kv '));
  expect(store.map((s) => s.name)).toEqual(['kv set', 'kv get']);
  for (const s of store) {
    expect(s.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(s.attributes).toEqual({
      'db.system.name': 'token-bff.memory',
      'db.operation.name': s.name.slice(3),
    });
  }
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/secret-id|token-value/);
});

it('traces nothing outside a request (a probe, a timer)', async () => {
  const kv = tracedKv(new MemoryKv());
  await kv.ping();
  expect(exported.getFinishedSpans()).toEqual([]);
  expect(kv.kind).toBe('memory');
});

it('marks a failed operation by its error class only', async () => {
  // A Redis that is not there: every command fails at once (no offline queue).
  const redis = new RedisKv(
    createRedisClient(
      { kind: 'node', url: `redis://127.0.0.1:${await freePort()}` },
      { keyPrefix: 'test:traced-kv:', commandTimeoutMs: 500, connectTimeoutMs: 500 },
    ),
  );
  const kv = tracedKv(redis);
  try {
    await expect(inRequest(() => kv.get('session:secret-id'))).rejects.toThrow(
      StoreUnavailableError,
    );
  } finally {
    await kv.close();
  }
  const span = exported.getFinishedSpans().find((s) => s.name === 'kv get')!;
  expect(span.status.code).toBe(2);
  expect(span.attributes).toEqual({
    'db.system.name': 'redis',
    'db.operation.name': 'get',
    'error.type': 'StoreUnavailableError',
  });
});

it('links a wait to the refresh it waited on, and records how a token call failed', async () => {
  let finish!: (tokens: string) => void;
  const refresh = traceRefresh('likecoin', 'rejection', () =>
    traceTokenCall(
      'likecoin',
      'refresh_token',
      () => new Promise<string>((done) => (finish = done)),
      () => undefined,
    ),
  );
  const waiting = inRequest(() => traceWait('likecoin', refresh));
  finish('fresh');
  expect(await refresh.result).toBe('fresh');
  expect(await waiting).toBe('fresh');
  await expect(
    traceTokenCall(
      'likecoin',
      'authorization_code',
      () => Promise.reject(new Error('refused')),
      () => ({ kind: 'refused', providerCode: 'INVALID_GRANT' }),
    ),
  ).rejects.toThrow('refused');
  const spans = exported.getFinishedSpans();
  const refreshSpan = spans.find((s) => s.name === 'oauth refresh')!;
  const wait = spans.find((s) => s.name === 'oauth refresh wait')!;
  expect(wait.links.map((l) => l.context.spanId)).toEqual([refreshSpan.spanContext().spanId]);
  expect(spans.find((s) => s.name === 'oauth token authorization_code')!.attributes).toEqual({
    'oauth.provider': 'likecoin',
    'oauth.grant_type': 'authorization_code',
    'oauth.failure': 'refused',
    'oauth.provider_error': 'INVALID_GRANT',
    'error.type': 'Error',
  });
});

it('gives log lines the active sampled span’s ids, and nothing outside a span', async () => {
  expect(traceFields()).toEqual({});
  await inRequest(async () => {
    const active = trace.getSpan(context.active())!.spanContext();
    expect(traceFields()).toEqual({ trace_id: active.traceId, span_id: active.spanId });
  });
  const unsampled = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 0,
  });
  context.with(trace.setSpan(context.active(), unsampled), () => expect(traceFields()).toEqual({}));
});
