import { z } from 'zod';
import { appOidcEnv } from './app-oidc';
import { DEFAULT_LIMITS } from './limits';
import { OTEL_SETTINGS } from './otel-schema';

// Empty variables count as unset (compose and .env files produce them); see `nonEmpty`.
const optionalString = z.string().optional();
const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
const intIn = (min: number, max: number, dflt: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(dflt);
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const bool = (dflt: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(dflt ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const optionalBool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1'));

export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: intIn(0, 65535, 3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: httpUrl().default('http://localhost:3000'),
  // The internal listener (/metrics and the gateway's /auth/*): unset ⇒ none.
  INTERNAL_PORT: optionalString,
  INTERNAL_HOST: z.string().default('127.0.0.1'),
  TRUST_PROXY: optionalString,
  SESSION_SECRET: list,
  SESSION_TTL_SECONDS: intIn(60, 365 * 86400, 86400),
  SESSION_MAX_AGE_SECONDS: intIn(60, 365 * 86400, 604800),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional(),
  // Sentinel / Cluster (and their credentials) are read by parseRedisTopology.
  REDIS_SENTINELS: optionalString,
  REDIS_SENTINEL_NAME: optionalString,
  REDIS_CLUSTER_NODES: optionalString,
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS: optionalString,
  // A brace would make the prefix a Redis Cluster hash tag: every key in one slot.
  REDIS_KEY_PREFIX: z
    .string()
    .max(64)
    .regex(/^[^{}]*$/, { error: 'must not contain { or }' })
    .default('token-bff:'),
  CORS_ORIGINS: list,
  ALLOWED_RETURN_TO: list,
  APP_JWT_SECRET: optionalString,
  APP_JWKS_URL: httpUrl().optional(),
  APP_JWT_ISSUER: optionalString,
  APP_JWT_AUDIENCE: optionalString,
  APP_JWT_USER_CLAIM: z.string().default('sub'),
  LIVELIKE_CLIENT_ID: optionalString,
  LIVELIKE_CLIENT_SECRET: optionalString,
  LIVELIKE_TOKEN_TTL_SECONDS: intIn(0, 365 * 86400, 3600),
  LIVELIKE_API_PATHS: list,
  LIVELIKE_API_URL: httpUrl().default('https://cf-blast.livelikecdn.com/api/v1'),
  LIKECOIN_CLIENT_ID: optionalString,
  LIKECOIN_CLIENT_SECRET: optionalString,
  LIKECOIN_REDIRECT_URI: httpUrl().optional(),
  LIKECOIN_SCOPES: z.string().default('profile'),
  LIKECOIN_AUTHORIZE_URL: httpUrl().default('https://like.co/in/oauth'),
  LIKECOIN_TOKEN_URL: httpUrl().default('https://api.like.co/oauth/access_token'),
  LIKECOIN_API_PATHS: list,
  LIKECOIN_API_URL: httpUrl().default('https://api.like.co'),
  LIKECOIN_PKCE: bool(false),
  LIKECOIN_STATE_TTL_SECONDS: intIn(1, 3600, 600),
  LIKECOIN_TIMEOUT_MS: intIn(100, 120_000, 10_000),
  TOKEN_ENCRYPTION_KEY: list,
  TLS_CERT_FILE: optionalString,
  TLS_KEY_FILE: optionalString,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  ...OTEL_SETTINGS,
  SHUTDOWN_TIMEOUT_SECONDS: intIn(0, 300, 10),
  PROXY_BODY_LIMIT_BYTES: intIn(0, 100 * 1024 * 1024, DEFAULT_LIMITS.proxyBodyBytes),
  UPSTREAM_TIMEOUT_MS: intIn(100, 300_000, DEFAULT_LIMITS.upstreamFirstByteMs),
  UPSTREAM_IDLE_TIMEOUT_MS: intIn(100, 300_000, DEFAULT_LIMITS.upstreamIdleMs),
  // Requests per minute; 0 turns the limit off (see rateLimitsFrom).
  RATE_LIMIT_LOGIN_PER_IP: intIn(0, 1_000_000, 60),
  RATE_LIMIT_OAUTH_PER_IP: intIn(0, 1_000_000, 60),
  RATE_LIMIT_LIVELIKE_TOKEN_PER_USER: intIn(0, 1_000_000, 600),
  RATE_LIMIT_PROXY_PER_USER: intIn(0, 1_000_000, 1200),
  RATE_LIMIT_REFRESH_PER_GRANT: intIn(0, 1_000_000, 10),
  // Its default depends on NODE_ENV, so it is settled in consoleFrom.
  CONSOLE_ENABLED: optionalBool,
  CONSOLE_DEMO_LOGIN_URL: httpUrl().optional(),
  ...appOidcEnv,
});

export type Env = z.infer<typeof envSchema>;

/** Empty variables count as unset (compose and .env files produce them). */
export function nonEmpty(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && v.trim() !== '') out[k] = v.trim();
  return out;
}
