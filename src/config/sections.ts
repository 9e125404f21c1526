import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseRedisTopology } from './redis-topology';
import type { Env } from './schema';
import type {
  AppJwtConfig,
  ClientCredentials,
  Config,
  ConsoleConfig,
  Findings,
  LikeCoinConfig,
  LiveLikeConfig,
  RateLimitsConfig,
  TlsConfig,
} from './types';

// Each builder turns the variables of one concern into its part of the Config, adding one line
// per problem (which stops start-up) or warning (which does not) to the findings.

/**
 * For a secret that production must be given: a problem there, and elsewhere a random stand-in
 * (`make`) with a warning saying what that costs.
 */
function requiredInProduction<T>(
  f: Findings,
  name: string,
  what: string,
  costOfRandom: string,
  make: () => T,
): T[] {
  if (f.production) {
    f.problems.push(`${name}: required in production (${what})`);
    return [];
  }
  f.warnings.push(`${name} is not set: using a random one, so ${costOfRandom}`);
  return [make()];
}

export function sessionSecretsFrom(e: Env, f: Findings): string[] {
  if (e.SESSION_SECRET.length === 0) {
    return requiredInProduction(
      f,
      'SESSION_SECRET',
      'at least 32 characters',
      'sessions end when the process restarts',
      () => randomBytes(32).toString('base64url'),
    );
  }
  e.SESSION_SECRET.forEach((s, i) => {
    if (f.production && s.length < 32) {
      f.problems.push(`SESSION_SECRET: secret #${i + 1} is shorter than 32 characters`);
    }
  });
  return e.SESSION_SECRET;
}

export function encryptionKeysFrom(e: Env, f: Findings): Uint8Array[] {
  if (e.TOKEN_ENCRYPTION_KEY.length === 0) {
    return requiredInProduction(
      f,
      'TOKEN_ENCRYPTION_KEY',
      'base64 of 32 random bytes',
      'stored provider tokens are unreadable after a restart',
      () => new Uint8Array(randomBytes(32)),
    );
  }
  return e.TOKEN_ENCRYPTION_KEY.flatMap((k, i) => {
    const bytes = Buffer.from(k, 'base64');
    if (
      bytes.length !== 32 ||
      bytes.toString('base64').replace(/=+$/, '') !== k.replace(/=+$/, '')
    ) {
      f.problems.push(`TOKEN_ENCRYPTION_KEY: key #${i + 1} is not the base64 of exactly 32 bytes`);
      return [];
    }
    return [new Uint8Array(bytes)];
  });
}

export function publicBaseUrlFrom(e: Env, f: Findings): URL {
  const url = new URL(e.PUBLIC_BASE_URL);
  if (f.production && url.protocol !== 'https:') {
    f.problems.push('PUBLIC_BASE_URL: must be https in production');
  }
  return url;
}

export function sessionFrom(e: Env, f: Findings, publicBaseUrl: URL): Config['session'] {
  if (e.SESSION_MAX_AGE_SECONDS < e.SESSION_TTL_SECONDS) {
    f.problems.push('SESSION_MAX_AGE_SECONDS: must be at least SESSION_TTL_SECONDS');
  }
  const https = publicBaseUrl.protocol === 'https:';
  return {
    secrets: sessionSecretsFrom(e, f),
    ttlSeconds: e.SESSION_TTL_SECONDS,
    maxAgeSeconds: e.SESSION_MAX_AGE_SECONDS,
    // The __Host- prefix pins the cookie to this exact host, https and Path=/.
    cookieName: https ? '__Host-token-bff' : 'token-bff',
    secureCookie: https,
  };
}

export function redisFrom(e: Env, f: Findings): Config['redis'] {
  const parsed = parseRedisTopology(e);
  if (!parsed.ok) {
    f.problems.push(...parsed.problems);
    return { topology: undefined, keyPrefix: e.REDIS_KEY_PREFIX };
  }
  for (const name of parsed.unused ?? [])
    f.warnings.push(
      `${name} is set, but no Redis is (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): ignored`,
    );
  if (!parsed.topology) {
    if (f.production) {
      f.problems.push(
        'REDIS_URL: required in production (or REDIS_SENTINELS / REDIS_CLUSTER_NODES)',
      );
    } else {
      f.warnings.push(
        'REDIS_URL (or REDIS_SENTINELS, REDIS_CLUSTER_NODES) is not set: using the embedded in-memory store (single instance only, lost on restart)',
      );
    }
  }
  return { topology: parsed.topology, keyPrefix: e.REDIS_KEY_PREFIX };
}

export function corsOriginsFrom(e: Env, f: Findings): string[] {
  return e.CORS_ORIGINS.flatMap((o) => {
    const origin = originOf(o);
    if (origin === undefined || origin !== o.replace(/\/$/, '')) {
      f.problems.push(`CORS_ORIGINS: "${o}" is not an origin like https://app.example.com`);
      return [];
    }
    return [origin];
  });
}

export function returnTargetsFrom(e: Env, f: Findings, publicBaseUrl: URL): string[] {
  if (e.ALLOWED_RETURN_TO.length === 0) return [publicBaseUrl.origin];
  return e.ALLOWED_RETURN_TO.flatMap((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      f.problems.push(`ALLOWED_RETURN_TO: "${entry}" is not an absolute URL or origin`);
      return [];
    }
    if (url.protocol === 'http:' || url.protocol === 'https:') return [url.origin];
    if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') {
      f.problems.push(
        `ALLOWED_RETURN_TO: "${entry}" uses a scheme that is never a safe return target`,
      );
      return [];
    }
    return [url.href];
  });
}

export function appJwtFrom(e: Env, f: Findings): AppJwtConfig | undefined {
  if (e.APP_JWT_SECRET && e.APP_JWKS_URL) {
    f.problems.push('APP_JWT_SECRET: set either APP_JWT_SECRET or APP_JWKS_URL, not both');
    return undefined;
  }
  if (!e.APP_JWT_SECRET && !e.APP_JWKS_URL) return undefined;
  if (e.APP_JWT_SECRET && Buffer.byteLength(e.APP_JWT_SECRET) < 32) {
    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    f.problems.push('APP_JWT_SECRET: must be at least 32 bytes');
  }
  return {
    secret: e.APP_JWT_SECRET,
    jwksUrl: e.APP_JWKS_URL ? new URL(e.APP_JWKS_URL) : undefined,
    issuer: e.APP_JWT_ISSUER,
    audience: e.APP_JWT_AUDIENCE,
    userClaim: e.APP_JWT_USER_CLAIM,
  };
}

export function liveLikeFrom(e: Env, f: Findings): LiveLikeConfig {
  const credentials = credentialsFrom(
    f,
    'LIVELIKE',
    e.LIVELIKE_CLIENT_ID,
    e.LIVELIKE_CLIENT_SECRET,
  );
  if (credentials && Buffer.byteLength(credentials.clientSecret) < 32) {
    f.warnings.push(
      'LIVELIKE_CLIENT_SECRET is shorter than 32 bytes: weak for HS256, ask LiveLike for a longer one',
    );
  }
  return {
    credentials,
    tokenTtlSeconds: e.LIVELIKE_TOKEN_TTL_SECONDS,
    apiUrl: new URL(e.LIVELIKE_API_URL),
    apiPaths: apiPathsFrom(f, 'LIVELIKE_API_PATHS', e.LIVELIKE_API_PATHS),
  };
}

export function likeCoinFrom(e: Env, f: Findings, publicBaseUrl: URL): LikeCoinConfig {
  const scopes = e.LIKECOIN_SCOPES.split(/\s+/).filter(Boolean);
  if (scopes.length === 0) f.problems.push('LIKECOIN_SCOPES: must name at least one scope');
  return {
    credentials: credentialsFrom(f, 'LIKECOIN', e.LIKECOIN_CLIENT_ID, e.LIKECOIN_CLIENT_SECRET),
    redirectUri: new URL(
      e.LIKECOIN_REDIRECT_URI ?? new URL('/likecoin/callback', publicBaseUrl).href,
    ),
    scopes,
    authorizeUrl: new URL(e.LIKECOIN_AUTHORIZE_URL),
    tokenUrl: new URL(e.LIKECOIN_TOKEN_URL),
    apiUrl: new URL(e.LIKECOIN_API_URL),
    apiPaths: apiPathsFrom(f, 'LIKECOIN_API_PATHS', e.LIKECOIN_API_PATHS),
    pkce: e.LIKECOIN_PKCE,
    stateTtlSeconds: e.LIKECOIN_STATE_TTL_SECONDS,
    timeoutMs: e.LIKECOIN_TIMEOUT_MS,
  };
}

/**
 * The path prefixes a proxy may forward (RFC 10017 asks a BFF to allowlist what it proxies).
 * Plain paths only: an encoded or dotted prefix would never match what the proxy lets through.
 */
export function apiPathsFrom(f: Findings, name: string, raw: readonly string[]): string[] {
  if (raw.length === 0) return ['/'];
  return raw.flatMap((p) => {
    if (!/^\/[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/.test(p) || /(^|\/)\.\.?(\/|$)/.test(p)) {
      f.problems.push(`${name}: "${p}" is not a plain path prefix like /users`);
      return [];
    }
    return [p];
  });
}

/** HTTPS served directly: both files or neither, read once at start-up. */
export function tlsFrom(e: Env, f: Findings, publicBaseUrl: URL): TlsConfig | undefined {
  if (!e.TLS_CERT_FILE && !e.TLS_KEY_FILE) return undefined;
  if (!e.TLS_CERT_FILE || !e.TLS_KEY_FILE) {
    const [missing, given] = e.TLS_CERT_FILE
      ? ['TLS_KEY_FILE', 'TLS_CERT_FILE']
      : ['TLS_CERT_FILE', 'TLS_KEY_FILE'];
    f.problems.push(`${missing}: must be set together with ${given}`);
    return undefined;
  }
  if (publicBaseUrl.protocol !== 'https:') {
    // The cookie's Secure and __Host- follow PUBLIC_BASE_URL: it must say what clients use.
    f.problems.push('PUBLIC_BASE_URL: must be https when TLS_CERT_FILE is set');
  }
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch {
      f.problems.push(`${name}: cannot read ${path}`);
      return Buffer.alloc(0);
    }
  };
  return {
    cert: read('TLS_CERT_FILE', e.TLS_CERT_FILE),
    key: read('TLS_KEY_FILE', e.TLS_KEY_FILE),
  };
}

/** A client id and secret that must come together, or neither (the provider is then off). */
export function credentialsFrom(
  f: Findings,
  prefix: string,
  id: string | undefined,
  secret: string | undefined,
): ClientCredentials | undefined {
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    const [missing, given] = id ? ['CLIENT_SECRET', 'CLIENT_ID'] : ['CLIENT_ID', 'CLIENT_SECRET'];
    f.problems.push(`${prefix}_${missing}: must be set together with ${prefix}_${given}`);
    return undefined;
  }
  return { clientId: id, clientSecret: secret };
}

/** The origin of an http(s) URL, or undefined for anything else. */
export function originOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The developer console is on by default everywhere but production; turned on there, it is worth
 * a line at start-up, like any other development convenience left on.
 */
export function consoleFrom(e: Env, f: Findings): ConsoleConfig {
  if (f.production && e.CONSOLE_ENABLED === true) {
    f.warnings.push(
      'CONSOLE_ENABLED is true in production: /console serves the developer console (a page that signs in and calls every endpoint) to anyone who can reach the service',
    );
  }
  return {
    enabled: e.CONSOLE_ENABLED ?? !f.production,
    demoLoginUrl: e.CONSOLE_DEMO_LOGIN_URL,
  };
}

/** The rate limits; in production, a limit turned off (0) is worth a line at start-up. */
export function rateLimitsFrom(e: Env, f: Findings): RateLimitsConfig {
  if (f.production) {
    const off = (Object.keys(e) as (keyof Env)[]).filter(
      (name) => name.startsWith('RATE_LIMIT_') && e[name] === 0,
    );
    for (const name of off) f.warnings.push(`${name} is 0: that rate limit is off`);
  }
  return {
    loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
    oauthPerIp: e.RATE_LIMIT_OAUTH_PER_IP,
    liveLikeTokenPerUser: e.RATE_LIMIT_LIVELIKE_TOKEN_PER_USER,
    proxyPerUser: e.RATE_LIMIT_PROXY_PER_USER,
    refreshPerGrant: e.RATE_LIMIT_REFRESH_PER_GRANT,
  };
}
