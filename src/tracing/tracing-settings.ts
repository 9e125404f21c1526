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
  /**
   * The collector's headers when they came from OTEL_EXPORTER_OTLP_HEADERS_FILE (the SDK reads
   * only the variable itself); undefined otherwise, and the SDK reads the variable.
   */
  headers?: Record<string, string>;
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

/**
 * The settings, each from its OTEL_* variable when that is a positive integer. `env` is the
 * environment with every `<NAME>_FILE` already read (resolveSecretFiles).
 */
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
    ...(env.OTEL_EXPORTER_OTLP_HEADERS_FILE && env.OTEL_EXPORTER_OTLP_HEADERS
      ? { headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS) }
      : {}),
  };
}

/**
 * OTEL_EXPORTER_OTLP_HEADERS's format (the OpenTelemetry specification's): `key=value` pairs
 * separated by commas, each part percent-encoded. A pair without `=` or with an empty key, or
 * one that does not decode, is left out, as the SDK leaves it out of the variable.
 */
export function otlpHeaders(spec: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      const key = decodeURIComponent(pair.slice(0, at).trim());
      const value = decodeURIComponent(pair.slice(at + 1).trim());
      if (key !== '') headers[key] = value;
    } catch {
      // Malformed percent-encoding: not a header we can send.
    }
  }
  return headers;
}
