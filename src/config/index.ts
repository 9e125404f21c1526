import { appOidcFrom } from './app-oidc';
import { envSchema, nonEmpty } from './schema';
import {
  appJwtFrom,
  consoleFrom,
  corsOriginsFrom,
  encryptionKeysFrom,
  likeCoinFrom,
  liveLikeFrom,
  publicBaseUrlFrom,
  rateLimitsFrom,
  redisFrom,
  returnTargetsFrom,
  sessionFrom,
  tlsFrom,
} from './sections';
import { DEFAULT_LIMITS } from './limits';
import { resolveSecretFiles } from './secret-files';
import { internalListenerFrom } from './internal-listener';
import { trustProxyFrom } from './trust-proxy';
import type { Config, Findings } from './types';

export type * from './types';
export type * from './app-oidc';
export { DEFAULT_LIMITS, type Limits } from './limits';
export type { RedisAddress, RedisTopology } from './redis-topology';
export { originOf } from './sections';
export { SECRETS_FROM_FILES } from './secret-files';

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
 * one line each, each naming its variable. The only reader of the environment (and of the secret
 * files `<NAME>_FILE` points at).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): LoadedConfig {
  const files = resolveSecretFiles(env);
  const parsed = envSchema.safeParse(nonEmpty(files.env));
  if (!parsed.success) {
    throw new ConfigError([
      ...files.problems,
      ...parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    ]);
  }
  const e = parsed.data;
  const f: Findings = {
    production: e.NODE_ENV === 'production',
    problems: [...files.problems],
    warnings: [],
  };
  const publicBaseUrl = publicBaseUrlFrom(e, f);
  const appJwt = appJwtFrom(e, f);
  const config: Config = {
    production: f.production,
    port: e.PORT,
    host: e.HOST,
    internal: internalListenerFrom(e, f),
    publicBaseUrl,
    trustProxy: trustProxyFrom(e.TRUST_PROXY, f),
    session: sessionFrom(e, f, publicBaseUrl),
    tokenEncryptionKeys: encryptionKeysFrom(e, f),
    redis: redisFrom(e, f),
    corsOrigins: corsOriginsFrom(e, f),
    allowedReturnTo: returnTargetsFrom(e, f, publicBaseUrl),
    appJwt,
    appOidc: appOidcFrom(e, f, publicBaseUrl, appJwt),
    livelike: liveLikeFrom(e, f),
    likecoin: likeCoinFrom(e, f, publicBaseUrl),
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    limits: {
      ...DEFAULT_LIMITS,
      proxyBodyBytes: e.PROXY_BODY_LIMIT_BYTES,
      upstreamFirstByteMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamIdleMs: e.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    rateLimits: rateLimitsFrom(e, f),
    console: consoleFrom(e, f),
    tls: tlsFrom(e, f, publicBaseUrl),
  };
  if (f.problems.length > 0) throw new ConfigError(f.problems);
  return { config: deepFreeze(config), warnings: f.warnings };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
