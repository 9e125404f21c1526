import { ConfigError, loadConfig } from '../../src/config';

// A typo in a tracing variable stops start-up naming it, as any other setting does: the SDK
// alone would log a diagnostic nobody reads and trace with its defaults.

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

it('accepts the standard variables as the specification writes them', () => {
  expect(
    problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_SERVICE_NAME: 'token-bff-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=production',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_MAX_QUEUE_SIZE: '4096',
      OTEL_SDK_DISABLED: 'TRUE',
    }),
  ).toEqual([]);
});

it.each([
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'otel-collector:4318'],
  ['OTEL_TRACES_SAMPLER', 'always-on'],
  ['OTEL_TRACES_SAMPLER_ARG', '10'],
  ['OTEL_BSP_MAX_QUEUE_SIZE', '0'],
  ['OTEL_EXPORTER_OTLP_TIMEOUT', '1.5'],
  ['OTEL_SDK_DISABLED', 'yes'],
])('stops start-up on %s=%s, naming it', (name, value) => {
  const problems = problemsOf({ [name]: value });
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(name);
});
