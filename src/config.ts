import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The typed, frozen configuration. `loadConfig` is the only reader of the environment. */
export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly publicBaseUrl: URL;
  readonly trustProxy: boolean | number | string | undefined;
  readonly session: {
    /** First signs, all verify. */
    readonly secrets: readonly string[];
    readonly ttlSeconds: number;
    readonly maxAgeSeconds: number;
    readonly cookieName: string;
    readonly secureCookie: boolean;
  };
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
  readonly corsOrigins: readonly string[];
  readonly allowedReturnTo: readonly string[];
  readonly appJwt: AppJwtConfig | undefined;
  readonly livelike: LiveLikeConfig;
  readonly likecoin: LikeCoinConfig;
  /** First encrypts, all decrypt. 32 bytes each. */
  readonly tokenEncryptionKeys: readonly Uint8Array[];
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  readonly limits: Limits;
}

export interface AppJwtConfig {
  readonly secret: string | undefined;
  readonly jwksUrl: URL | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly userClaim: string;
}

export interface LiveLikeConfig {
  /** Undefined when the credentials are not set: the routes then answer 503. */
  readonly credentials: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly tokenTtlSeconds: number;
  readonly apiUrl: URL;
}

export interface LikeCoinConfig {
  readonly credentials: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly redirectUri: URL;
  readonly scopes: readonly string[];
  readonly authorizeUrl: URL;
  readonly tokenUrl: URL;
  readonly apiUrl: URL;
  readonly pkce: boolean;
  /** How long a started sign-in may take (state and result handle lifetime). */
  readonly stateTtlSeconds: number;
  /** The whole token-endpoint call, connect to last byte. */
  readonly timeoutMs: number;
}

export interface Limits {
  readonly jsonBodyBytes: number;
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly redisCommandTimeoutMs: number;
  readonly redisConnectTimeoutMs: number;
  readonly jwksTimeoutMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamFirstByteMs: number;
  readonly upstreamIdleMs: number;
  readonly proxyBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  jsonBodyBytes: 16 * 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Below the 60 s idle timeout of common load balancers, so they never reuse a socket we closed.
  keepAliveTimeoutMs: 5_000,
  redisCommandTimeoutMs: 1_000,
  redisConnectTimeoutMs: 2_000,
  jwksTimeoutMs: 5_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamFirstByteMs: 10_000,
  upstreamIdleMs: 30_000,
  proxyBodyBytes: 1024 * 1024,
});

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  readonly config: Config;
  /** Things an operator should hear about at start-up, but that do not stop it. */
  readonly warnings: readonly string[];
}

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

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: intIn(0, 65535, 3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: httpUrl().default('http://localhost:3000'),
  TRUST_PROXY: optionalString,
  SESSION_SECRET: list,
  SESSION_TTL_SECONDS: intIn(60, 365 * 86400, 86400),
  SESSION_MAX_AGE_SECONDS: intIn(60, 365 * 86400, 604800),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional(),
  REDIS_KEY_PREFIX: z.string().max(64).default('token-bff:'),
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
  LIVELIKE_API_URL: httpUrl().default('https://cf-blast.livelikecdn.com/api/v1'),
  LIKECOIN_CLIENT_ID: optionalString,
  LIKECOIN_CLIENT_SECRET: optionalString,
  LIKECOIN_REDIRECT_URI: httpUrl().optional(),
  LIKECOIN_SCOPES: z.string().default('profile'),
  LIKECOIN_AUTHORIZE_URL: httpUrl().default('https://like.co/in/oauth'),
  LIKECOIN_TOKEN_URL: httpUrl().default('https://api.like.co/oauth/access_token'),
  LIKECOIN_API_URL: httpUrl().default('https://api.like.co'),
  LIKECOIN_PKCE: bool(false),
  LIKECOIN_STATE_TTL_SECONDS: intIn(1, 3600, 600),
  LIKECOIN_TIMEOUT_MS: intIn(100, 120_000, 10_000),
  TOKEN_ENCRYPTION_KEY: list,
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  SHUTDOWN_TIMEOUT_SECONDS: intIn(0, 300, 10),
  PROXY_BODY_LIMIT_BYTES: intIn(0, 100 * 1024 * 1024, DEFAULT_LIMITS.proxyBodyBytes),
  UPSTREAM_TIMEOUT_MS: intIn(100, 300_000, DEFAULT_LIMITS.upstreamFirstByteMs),
  UPSTREAM_IDLE_TIMEOUT_MS: intIn(100, 300_000, DEFAULT_LIMITS.upstreamIdleMs),
});

type Env = z.infer<typeof envSchema>;

/**
 * Parses the environment into a frozen Config, or throws ConfigError listing every problem,
 * one line each, each naming its variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const parsed = envSchema.safeParse(nonEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  const production = e.NODE_ENV === 'production';
  const publicBaseUrl = new URL(e.PUBLIC_BASE_URL);

  const sessionSecrets = sessionSecretsFrom(e, production, problems, warnings);
  const tokenEncryptionKeys = encryptionKeysFrom(e, production, problems, warnings);

  if (production && publicBaseUrl.protocol !== 'https:') {
    problems.push('PUBLIC_BASE_URL: must be https in production');
  }
  if (!e.REDIS_URL) {
    if (production) problems.push('REDIS_URL: required in production');
    else
      warnings.push(
        'REDIS_URL is not set: using the embedded in-memory store (single instance only, lost on restart)',
      );
  }
  if (e.SESSION_MAX_AGE_SECONDS < e.SESSION_TTL_SECONDS) {
    problems.push('SESSION_MAX_AGE_SECONDS: must be at least SESSION_TTL_SECONDS');
  }
  const corsOrigins = originsFrom('CORS_ORIGINS', e.CORS_ORIGINS, problems);
  const allowedReturnTo = returnTargetsFrom(e.ALLOWED_RETURN_TO, publicBaseUrl, problems);
  const appJwt = appJwtFrom(e, problems);
  const livelike = liveLikeFrom(e, problems, warnings);
  const likecoin = likeCoinFrom(e, publicBaseUrl, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    production,
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    session: {
      secrets: sessionSecrets,
      ttlSeconds: e.SESSION_TTL_SECONDS,
      maxAgeSeconds: e.SESSION_MAX_AGE_SECONDS,
      // The __Host- prefix pins the cookie to this exact host, https and Path=/.
      cookieName: publicBaseUrl.protocol === 'https:' ? '__Host-token-bff' : 'token-bff',
      secureCookie: publicBaseUrl.protocol === 'https:',
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    corsOrigins,
    allowedReturnTo,
    appJwt,
    livelike,
    likecoin,
    tokenEncryptionKeys,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    limits: {
      ...DEFAULT_LIMITS,
      proxyBodyBytes: e.PROXY_BODY_LIMIT_BYTES,
      upstreamFirstByteMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamIdleMs: e.UPSTREAM_IDLE_TIMEOUT_MS,
    },
  };
  return { config: deepFreeze(config), warnings };
}

function sessionSecretsFrom(e: Env, production: boolean, problems: string[], warnings: string[]) {
  if (e.SESSION_SECRET.length === 0) {
    if (production) {
      problems.push('SESSION_SECRET: required in production (at least 32 characters)');
      return [];
    }
    warnings.push(
      'SESSION_SECRET is not set: using a random one, so sessions end when the process restarts',
    );
    return [randomBytes(32).toString('base64url')];
  }
  e.SESSION_SECRET.forEach((s, i) => {
    if (production && s.length < 32) {
      problems.push(`SESSION_SECRET: secret #${i + 1} is shorter than 32 characters`);
    }
  });
  return e.SESSION_SECRET;
}

function encryptionKeysFrom(e: Env, production: boolean, problems: string[], warnings: string[]) {
  if (e.TOKEN_ENCRYPTION_KEY.length === 0) {
    if (production) {
      problems.push('TOKEN_ENCRYPTION_KEY: required in production (base64 of 32 random bytes)');
      return [];
    }
    warnings.push(
      'TOKEN_ENCRYPTION_KEY is not set: using a random key, so stored provider tokens are unreadable after a restart',
    );
    return [new Uint8Array(randomBytes(32))];
  }
  return e.TOKEN_ENCRYPTION_KEY.flatMap((k, i) => {
    const bytes = Buffer.from(k, 'base64');
    if (
      bytes.length !== 32 ||
      bytes.toString('base64').replace(/=+$/, '') !== k.replace(/=+$/, '')
    ) {
      problems.push(`TOKEN_ENCRYPTION_KEY: key #${i + 1} is not the base64 of exactly 32 bytes`);
      return [];
    }
    return [new Uint8Array(bytes)];
  });
}

function originsFrom(name: string, raw: readonly string[], problems: string[]): string[] {
  return raw.flatMap((o) => {
    const origin = originOf(o);
    if (origin === undefined || origin !== o.replace(/\/$/, '')) {
      problems.push(`${name}: "${o}" is not an origin like https://app.example.com`);
      return [];
    }
    return [origin];
  });
}

function returnTargetsFrom(raw: readonly string[], publicBaseUrl: URL, problems: string[]) {
  if (raw.length === 0) return [publicBaseUrl.origin];
  return raw.flatMap((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      problems.push(`ALLOWED_RETURN_TO: "${entry}" is not an absolute URL or origin`);
      return [];
    }
    if (url.protocol === 'http:' || url.protocol === 'https:') return [url.origin];
    if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') {
      problems.push(
        `ALLOWED_RETURN_TO: "${entry}" uses a scheme that is never a safe return target`,
      );
      return [];
    }
    return [url.href];
  });
}

function appJwtFrom(e: Env, problems: string[]): AppJwtConfig | undefined {
  if (e.APP_JWT_SECRET && e.APP_JWKS_URL) {
    problems.push('APP_JWT_SECRET: set either APP_JWT_SECRET or APP_JWKS_URL, not both');
    return undefined;
  }
  if (!e.APP_JWT_SECRET && !e.APP_JWKS_URL) return undefined;
  if (e.APP_JWT_SECRET && Buffer.byteLength(e.APP_JWT_SECRET) < 32) {
    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    problems.push('APP_JWT_SECRET: must be at least 32 bytes');
  }
  return {
    secret: e.APP_JWT_SECRET,
    jwksUrl: e.APP_JWKS_URL ? new URL(e.APP_JWKS_URL) : undefined,
    issuer: e.APP_JWT_ISSUER,
    audience: e.APP_JWT_AUDIENCE,
    userClaim: e.APP_JWT_USER_CLAIM,
  };
}

function liveLikeFrom(e: Env, problems: string[], warnings: string[]): LiveLikeConfig {
  const credentials = pairOf('LIVELIKE', e.LIVELIKE_CLIENT_ID, e.LIVELIKE_CLIENT_SECRET, problems);
  if (credentials && Buffer.byteLength(credentials.clientSecret) < 32) {
    warnings.push(
      'LIVELIKE_CLIENT_SECRET is shorter than 32 bytes: weak for HS256, ask LiveLike for a longer one',
    );
  }
  return {
    credentials,
    tokenTtlSeconds: e.LIVELIKE_TOKEN_TTL_SECONDS,
    apiUrl: new URL(e.LIVELIKE_API_URL),
  };
}

function likeCoinFrom(e: Env, publicBaseUrl: URL, problems: string[]): LikeCoinConfig {
  const scopes = e.LIKECOIN_SCOPES.split(/\s+/).filter(Boolean);
  if (scopes.length === 0) problems.push('LIKECOIN_SCOPES: must name at least one scope');
  return {
    credentials: pairOf('LIKECOIN', e.LIKECOIN_CLIENT_ID, e.LIKECOIN_CLIENT_SECRET, problems),
    redirectUri: new URL(
      e.LIKECOIN_REDIRECT_URI ?? new URL('/likecoin/callback', publicBaseUrl).href,
    ),
    scopes,
    authorizeUrl: new URL(e.LIKECOIN_AUTHORIZE_URL),
    tokenUrl: new URL(e.LIKECOIN_TOKEN_URL),
    apiUrl: new URL(e.LIKECOIN_API_URL),
    pkce: e.LIKECOIN_PKCE,
    stateTtlSeconds: e.LIKECOIN_STATE_TTL_SECONDS,
    timeoutMs: e.LIKECOIN_TIMEOUT_MS,
  };
}

function pairOf(
  prefix: string,
  id: string | undefined,
  secret: string | undefined,
  problems: string[],
) {
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    problems.push(
      `${prefix}_${id ? 'CLIENT_SECRET' : 'CLIENT_ID'}: must be set together with ${prefix}_${id ? 'CLIENT_ID' : 'CLIENT_SECRET'}`,
    );
    return undefined;
  }
  return { clientId: id, clientSecret: secret };
}

function parseTrustProxy(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

export function originOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function nonEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && v.trim() !== '') out[k] = v.trim();
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
