import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { LikeCoinConfig } from '../config';
import type { GrantedTokens, OAuthProvider } from '../oauth/provider';

// LikeCoin's token answer (observed; no expires_in, no token_type).
const TokenResponse = z.object({
  user: z.string().min(1).max(255),
  displayName: z.string().max(1024).nullish(),
  avatar: z.string().max(4096).nullish(),
  access_token: z
    .string()
    .min(1)
    .max(16 * 1024),
  refresh_token: z
    .string()
    .min(1)
    .max(16 * 1024),
  scope: z.union([z.array(z.string()), z.string()]).nullish(),
});

// LikeCoin's answers about our client, not about the user's grant (its public source names them).
const CLIENT_ERRORS = new Set(['MISSING_CLIENT_INFO', 'INVALID_CLIENT_CRED']);

// LikeCoin's documented access-token lifetime, for a token whose `exp` cannot be read.
const DEFAULT_LIFETIME_MS = 3600_000;

/** LikeCoin, described for the provider-neutral OAuth core. */
export function likeCoinProvider(
  config: LikeCoinConfig,
  credentials: NonNullable<LikeCoinConfig['credentials']>,
): OAuthProvider {
  return {
    name: 'likecoin',
    label: 'LikeCoin',
    credentials,
    authorizeUrl: config.authorizeUrl,
    tokenUrl: config.tokenUrl,
    apiUrl: config.apiUrl,
    apiPaths: config.apiPaths,
    redirectUri: config.redirectUri,
    scopes: config.scopes,
    pkce: config.pkce,
    // Older LikeCoin clients got the code as `auth_code`; both names still arrive.
    codeOf: (query) => query.code ?? query.auth_code,
    parseTokenResponse,
    // LikeCoin refuses codes and refresh tokens with a 400 (its token route is not public, so no
    // code of those refusals is relied on); anything else that is not a 200 is not a verdict on
    // the grant, and a grant is never forgotten for it.
    refusalOf: (status, code) => {
      if (status !== 400 && status !== 401) return undefined;
      return code !== undefined && CLIENT_ERRORS.has(code) ? 'misconfigured' : 'refused';
    },
    // LikeCoin refuses with 400 text/plain codes such as INVALID_CLIENT_CRED.
    errorCodeOf: (body) => {
      const code = body.trim();
      return /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
    },
  };
}

/**
 * The Liker ID (`user`) is the grant's subject. LikeCoin sends no expires_in: the access token
 * is an HS256 JWT (signed by LikeCoin, so not verifiable here) whose `exp` and `scope` we read.
 */
export function parseTokenResponse(
  body: string,
  askedScopes: readonly string[],
  nowMs: number,
): GrantedTokens | undefined {
  let parsed;
  try {
    parsed = TokenResponse.parse(JSON.parse(body));
  } catch {
    return undefined;
  }
  let claims: { exp?: unknown; scope?: unknown } = {};
  try {
    claims = decodeJwt(parsed.access_token);
  } catch {
    // Not a JWT: the documented lifetime and the scopes asked for stand in.
  }
  const scopeClaim = claims.scope ?? parsed.scope;
  const scopes = Array.isArray(scopeClaim)
    ? scopeClaim.filter((s): s is string => typeof s === 'string')
    : typeof scopeClaim === 'string'
      ? scopeClaim.split(' ').filter(Boolean)
      : [...askedScopes];
  return {
    subject: parsed.user,
    displayName: parsed.displayName ?? '',
    avatar: parsed.avatar ?? '',
    accessToken: parsed.access_token,
    refreshToken: parsed.refresh_token,
    scopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : nowMs + DEFAULT_LIFETIME_MS,
  };
}
