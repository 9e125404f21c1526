import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { TokenAnswer } from '../oauth/token-answer';

const MAX_TOKEN_LENGTH = 16 * 1024;

// LikeCoin's token answer. Observed after a code exchange: user, displayName, avatar,
// access_token, refresh_token (no expires_in, no token_type). No source shows a refresh's answer,
// and LikeCoin's own client reads only access_token from it, so everything else is optional.
const Answer = z.object({
  user: z.string().nullish(),
  displayName: z.string().max(1024).nullish(),
  avatar: z.string().max(4096).nullish(),
  access_token: z.string().min(1).max(MAX_TOKEN_LENGTH),
  refresh_token: z.string().max(MAX_TOKEN_LENGTH).nullish(),
  scope: z.union([z.array(z.string()), z.string()]).nullish(),
});

/**
 * What a LikeCoin token answer says. The access token is an HS256 JWT signed by LikeCoin, so it
 * is decoded, never verified: its `user`, `scope`, `exp` and `iat` claims describe it, while the
 * subject it names is still checked against the grant's. Undefined when the answer is not one.
 */
export function readLikeCoinAnswer(body: string): TokenAnswer | undefined {
  let parsed;
  try {
    parsed = Answer.parse(JSON.parse(body));
  } catch {
    return undefined;
  }
  const claims = claimsOf(parsed.access_token);
  const subjects = [parsed.user, claims.user].filter((s): s is string => typeof s === 'string');
  return {
    accessToken: parsed.access_token,
    // An empty refresh token is none: it could only ever be refused.
    refreshToken: parsed.refresh_token || undefined,
    subjects,
    displayName: parsed.displayName ?? undefined,
    avatar: parsed.avatar ?? undefined,
    scopes: scopesOf(claims.scope) ?? scopesOf(parsed.scope),
    expiresAt: secondsToMs(claims.exp),
    issuedAt: secondsToMs(claims.iat),
  };
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    // Not a JWT: nothing but the answer's own fields describes it.
    return {};
  }
}

/** LikeCoin's `scope` is an array; a space-separated string is read too (RFC 6749 §3.3). */
function scopesOf(scope: unknown): string[] | undefined {
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  return undefined;
}

function secondsToMs(seconds: unknown): number | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
