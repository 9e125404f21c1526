import { SpanStatusCode, trace, type Span, type SpanContext } from '@opentelemetry/api';

// Through the OpenTelemetry API alone: with no SDK registered (tracing off) every call here is
// the API's no-op, and the SDK is never loaded.
const tracer = () => trace.getTracer('token-bff');

/** A refresh in flight, with the span that runs it (for the spans of those who wait on it). */
export interface TracedRefresh<T> {
  result: Promise<T>;
  span: SpanContext;
}

/**
 * Runs one refresh of a grant in a span of its own, `oauth refresh`, the parent of its store
 * and token-endpoint spans. Named by the provider and why it refreshed; no grant id (it keys
 * the user's tokens in the store).
 */
export function traceRefresh<T>(
  provider: string,
  reason: 'expiry' | 'rejection',
  run: () => Promise<T>,
): TracedRefresh<T> {
  let spanContext: SpanContext | undefined;
  const result = tracer().startActiveSpan(
    'oauth refresh',
    { attributes: { 'oauth.provider': provider, 'oauth.refresh.reason': reason } },
    (span) => {
      spanContext = span.spanContext();
      return settle(span, run());
    },
  );
  return { result, span: spanContext! };
}

/**
 * A caller that found the grant's refresh already running and waits for it: its own span,
 * `oauth refresh wait`, linked to the refresh span (which belongs to another request's trace),
 * so a slow request shows whose refresh it waited on.
 */
export function traceWait<T>(provider: string, refresh: TracedRefresh<T>): Promise<T> {
  return tracer().startActiveSpan(
    'oauth refresh wait',
    { attributes: { 'oauth.provider': provider }, links: [{ context: refresh.span }] },
    (span) => settle(span, refresh.result),
  );
}

/**
 * One call to the token endpoint, `oauth token <grant type>`: the parent of the HTTP client
 * span, saying what the call was for. A failure is named by its kind (`refused`, `timeout`…)
 * and the provider's error code, never by anything the call carried.
 */
export function traceTokenCall<T>(
  provider: string,
  grantType: string,
  run: () => Promise<T>,
  failureOf: (err: unknown) => { kind: string; providerCode?: string | undefined } | undefined,
): Promise<T> {
  return tracer().startActiveSpan(
    `oauth token ${grantType}`,
    { attributes: { 'oauth.provider': provider, 'oauth.grant_type': grantType } },
    (span) =>
      settle(
        span,
        run().catch((err: unknown) => {
          const failure = failureOf(err);
          if (failure) span.setAttribute('oauth.failure', failure.kind);
          if (failure?.providerCode)
            span.setAttribute('oauth.provider_error', failure.providerCode);
          throw err;
        }),
      ),
  );
}

/** Notes on the active span that another instance holds the grant's refresh lock. */
export function noteLockHeldElsewhere(): void {
  trace.getActiveSpan()?.addEvent('refresh lock held by another instance: waiting');
}

async function settle<T>(span: Span, running: Promise<T>): Promise<T> {
  try {
    return await running;
  } catch (err) {
    // The error's class and code only: a message is ours, but nothing here needs it.
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', err instanceof Error ? err.name : 'unknown');
    throw err;
  } finally {
    span.end();
  }
}
