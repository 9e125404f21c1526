import { z } from 'zod';

// The standard OpenTelemetry variables tracing uses. The SDK and src/tracing read them (tracing
// starts before the configuration is loaded); they are checked here too, so a typo stops
// start-up with a line naming the variable instead of tracing quietly doing something else.

const positiveInt = z.coerce
  .number({ error: 'must be a whole number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .optional();

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export const OTEL_SETTINGS = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .optional(),
  // May carry the collector's credentials: read by the exporter, never logged.
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: positiveInt,
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(', ')}` })
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' })
    .optional(),
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInt,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: positiveInt,
  OTEL_BSP_SCHEDULE_DELAY: positiveInt,
  OTEL_BSP_EXPORT_TIMEOUT: positiveInt,
  OTEL_SDK_DISABLED: z
    .string()
    .regex(/^(true|false)$/i, { error: 'must be true or false' })
    .optional(),
};
