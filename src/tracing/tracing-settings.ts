/**
 * What tracing runs with, from the standard OTEL_* variables. The SDK reads most of them itself
 * (the endpoint, headers, sampler, resource attributes); the limits are read here so that each
 * one has a value written down, not a default buried in a dependency.
 */
export interface TracingSettings {
  /** Spans waiting for export; past it, new spans are dropped (never a growing heap). */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  /** One batch's export, from the processor's side. */
  exportTimeoutMillis: number;
  /** One HTTP call to the collector. */
  exporterTimeoutMillis: number;
  /** Export calls in flight at once; more fail (their spans are dropped). */
  exporterConcurrency: number;
  /** How long shutdown waits for the last spans to leave, so SIGTERM stays bounded. */
  shutdownFlushMillis: number;
}

export const DEFAULT_TRACING_SETTINGS: Readonly<TracingSettings> = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 5000,
  exportTimeoutMillis: 30_000,
  exporterTimeoutMillis: 10_000,
  exporterConcurrency: 2,
  shutdownFlushMillis: 2000,
};

/** True when an OTLP endpoint is configured and the SDK is not disabled: tracing is on. */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

/** The settings, each from its OTEL_* variable when that is a positive integer. */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const d = DEFAULT_TRACING_SETTINGS;
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const maxQueueSize = read('OTEL_BSP_MAX_QUEUE_SIZE', d.maxQueueSize);
  return {
    maxQueueSize,
    // The SDK refuses a batch larger than the queue: keep the two consistent.
    maxExportBatchSize: Math.min(
      read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', d.maxExportBatchSize),
      maxQueueSize,
    ),
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', d.scheduledDelayMillis),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', d.exportTimeoutMillis),
    exporterTimeoutMillis: read(
      'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
      read('OTEL_EXPORTER_OTLP_TIMEOUT', d.exporterTimeoutMillis),
    ),
    exporterConcurrency: d.exporterConcurrency,
    shutdownFlushMillis: d.shutdownFlushMillis,
  };
}
