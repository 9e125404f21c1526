import { trace } from '@opentelemetry/api';

/**
 * `trace_id` and `span_id` of the span active where a line is logged, so a log line leads to
 * its trace. Through the API alone: with tracing off no span is ever active (the API's no-op)
 * and this adds nothing to a line.
 */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  // An unsampled span's ids lead nowhere: no backend has the trace.
  return traceFlags & 1 ? { trace_id: traceId, span_id: spanId } : {};
}
