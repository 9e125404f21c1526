import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { instrumentations } from './instrumentations';
import type { TracingSettings } from './tracing-settings';

/**
 * Starts the OpenTelemetry SDK: spans go in batches to the OTLP/HTTP endpoint of the standard
 * variables (JSON over HTTP, which every collector accepts). The sampler is the SDK's, from
 * OTEL_TRACES_SAMPLER (default: parent-based, always on). A collector that is down or slow
 * costs spans, never requests: the queue is bounded and drops when full, each export is bounded
 * in time, and an export failure is one diagnostic line, never an exception.
 * Answers a shutdown that flushes what is queued, at most `shutdownFlushMillis`.
 */
export function startTracing(
  settings: TracingSettings,
  warn: (line: string) => void,
): () => Promise<void> {
  diag.setLogger(exportFailuresOnly(warn), DiagLogLevel.WARN);
  const exporter = new OTLPTraceExporter({
    timeoutMillis: settings.exporterTimeoutMillis,
    concurrencyLimit: settings.exporterConcurrency,
    ...(settings.headers ? { headers: settings.headers } : {}),
  });
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'token-bff' }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        maxQueueSize: settings.maxQueueSize,
        maxExportBatchSize: settings.maxExportBatchSize,
        scheduledDelayMillis: settings.scheduledDelayMillis,
        exportTimeoutMillis: settings.exportTimeoutMillis,
      }),
    ],
  });
  // The W3C trace-context propagator and the async-hooks context manager (the defaults).
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: instrumentations() });
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((done) => {
      timer = setTimeout(done, settings.shutdownFlushMillis);
    });
    await Promise.race([provider.shutdown().catch(() => undefined), late]);
    clearTimeout(timer);
  };
}

// The SDK reports a failed export through its diagnostic logger, one line per batch, and a
// span dropped from a full queue once; passed to stderr as a warning, at most this many, so a
// collector down for a day cannot fill a disk.
const MAX_DIAG_LINES = 100;

function exportFailuresOnly(warn: (line: string) => void): DiagLogger {
  let lines = 0;
  const write = (message: string) => {
    if (lines >= MAX_DIAG_LINES) return;
    lines += 1;
    warn(
      `tracing: ${message}${lines === MAX_DIAG_LINES ? ' (further tracing warnings muted)' : ''}`,
    );
  };
  const quiet = () => undefined;
  return { error: write, warn: write, info: quiet, debug: quiet, verbose: quiet };
}
