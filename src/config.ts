import { envSchema, nonEmpty } from './config-schema';
import {
  appJwtFrom,
  consoleFrom,
  encryptionKeysFrom,
  likeCoinFrom,
  liveLikeFrom,
  originsFrom,
  parseTrustProxy,
  returnTargetsFrom,
  sessionSecretsFrom,
} from './config-sections';
import { DEFAULT_LIMITS, type Limits } from './limits';

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
  readonly console: ConsoleConfig;
}

export interface ConsoleConfig {
  /** Serve the developer console at /console. */
  readonly enabled: boolean;
  /** A login page the console offers (npm run demo's identity provider). */
  readonly demoLoginUrl: string | undefined;
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

export { DEFAULT_LIMITS, type Limits } from './limits';
export { originOf } from './config-sections';

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
    console: consoleFrom(e, production),
  };
  return { config: deepFreeze(config), warnings };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
