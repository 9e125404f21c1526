import { randomBytes } from 'node:crypto';
import type { AppJwtConfig, Config, ConsoleConfig, LikeCoinConfig, LiveLikeConfig } from './config';
import type { Env } from './config-schema';

// Each function turns the variables of one concern into its part of the Config, adding one line
// per problem (which stops start-up) or warning (which does not).

interface Findings {
  production: boolean;
  problems: string[];
  warnings: string[];
}

/**
 * For a secret that production must be given: a problem there, and elsewhere a random stand-in
 * (`make`) with a warning saying what that costs.
 */
function requiredInProduction<T>(
  name: string,
  what: string,
  costOfRandom: string,
  f: Findings,
  make: () => T,
): T[] {
  if (f.production) {
    f.problems.push(`${name}: required in production (${what})`);
    return [];
  }
  f.warnings.push(`${name} is not set: using a random one, so ${costOfRandom}`);
  return [make()];
}

export function sessionSecretsFrom(
  e: Env,
  production: boolean,
  problems: string[],
  warnings: string[],
) {
  if (e.SESSION_SECRET.length === 0) {
    return requiredInProduction(
      'SESSION_SECRET',
      'at least 32 characters',
      'sessions end when the process restarts',
      { production, problems, warnings },
      () => randomBytes(32).toString('base64url'),
    );
  }
  e.SESSION_SECRET.forEach((s, i) => {
    if (production && s.length < 32) {
      problems.push(`SESSION_SECRET: secret #${i + 1} is shorter than 32 characters`);
    }
  });
  return e.SESSION_SECRET;
}

export function encryptionKeysFrom(
  e: Env,
  production: boolean,
  problems: string[],
  warnings: string[],
) {
  if (e.TOKEN_ENCRYPTION_KEY.length === 0) {
    return requiredInProduction(
      'TOKEN_ENCRYPTION_KEY',
      'base64 of 32 random bytes',
      'stored provider tokens are unreadable after a restart',
      { production, problems, warnings },
      () => new Uint8Array(randomBytes(32)),
    );
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

export function originsFrom(name: string, raw: readonly string[], problems: string[]): string[] {
  return raw.flatMap((o) => {
    const origin = originOf(o);
    if (origin === undefined || origin !== o.replace(/\/$/, '')) {
      problems.push(`${name}: "${o}" is not an origin like https://app.example.com`);
      return [];
    }
    return [origin];
  });
}

export function returnTargetsFrom(raw: readonly string[], publicBaseUrl: URL, problems: string[]) {
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

export function appJwtFrom(e: Env, problems: string[]): AppJwtConfig | undefined {
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

export function liveLikeFrom(e: Env, problems: string[], warnings: string[]): LiveLikeConfig {
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

export function likeCoinFrom(e: Env, publicBaseUrl: URL, problems: string[]): LikeCoinConfig {
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

export function pairOf(
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

export function parseTrustProxy(raw: string | undefined): Config['trustProxy'] {
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

/** The developer console is on by default everywhere but production. */
export function consoleFrom(e: Env, production: boolean): ConsoleConfig {
  return {
    enabled: e.CONSOLE_ENABLED ?? !production,
    demoLoginUrl: e.CONSOLE_DEMO_LOGIN_URL,
  };
}
