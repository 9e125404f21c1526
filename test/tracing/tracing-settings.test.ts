import {
  DEFAULT_TRACING_SETTINGS,
  tracingSettings,
  tracingWanted,
} from '../../src/tracing/tracing-settings';

it.each([
  [{}, false],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, false],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE ' }, false],
  [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'false' }, true],
])('tracing with %j: %s', (env, on) => {
  expect(tracingWanted(env)).toBe(on);
});

it('has a written-down value for every limit when nothing is set', () => {
  expect(tracingSettings({})).toEqual(DEFAULT_TRACING_SETTINGS);
});

it('takes the standard variables, and ignores a value that is no positive integer', () => {
  expect(
    tracingSettings({
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
      OTEL_BSP_SCHEDULE_DELAY: '250',
      OTEL_BSP_EXPORT_TIMEOUT: '-1',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
    }),
  ).toEqual({
    ...DEFAULT_TRACING_SETTINGS,
    maxQueueSize: 100,
    // Never more than the queue holds.
    maxExportBatchSize: 100,
    scheduledDelayMillis: 250,
    exporterTimeoutMillis: 3000,
  });
  expect(
    tracingSettings({
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700',
    }).exporterTimeoutMillis,
  ).toBe(700);
  expect(tracingSettings({ OTEL_BSP_MAX_QUEUE_SIZE: 'lots' }).maxQueueSize).toBe(2048);
});

it('reads the collector headers from a file in the specification format, skipping what is not a pair', () => {
  expect(
    tracingSettings({
      OTEL_EXPORTER_OTLP_HEADERS_FILE: '/run/secrets/otlp_headers',
      OTEL_EXPORTER_OTLP_HEADERS:
        'authorization=Bearer%20k%3D1, x-tenant = eu ,novalue,=x,bad=%E0%A4%A',
    }).headers,
  ).toEqual({ authorization: 'Bearer k=1', 'x-tenant': 'eu' });
  // From the variable itself the SDK reads them: nothing is passed twice.
  expect(tracingSettings({ OTEL_EXPORTER_OTLP_HEADERS: 'a=b' }).headers).toBeUndefined();
});
