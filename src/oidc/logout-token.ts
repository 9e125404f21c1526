import { createSecretKey } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import type { HttpProblem } from '../http/http-problem';
import { problems } from '../http/problems';
import { ASYMMETRIC } from '../session/verify-app-token';

/** OpenID Connect Back-Channel Logout 1.0 §2.4: the event a logout token must carry. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

// The spec's tokens are short-lived (a few minutes); one older than this is refused, so a seen
// `jti` needs keeping no longer than this either.
export const MAX_LOGOUT_TOKEN_AGE_SECONDS = 600;
const MAX_CLAIM_LENGTH = 255;

/** Who may send logout tokens, and with which keys (the provider's, as ID tokens are checked). */
export interface LogoutTokenSource {
  issuer: string;
  audience: string;
  /** The provider's JWKS, or the APP_JWT_SECRET when the app's ID tokens are HS256. */
  keys: { jwksUri: URL } | { secret: string };
}

/** What a verified logout token names; `expiresAt` bounds how long its `jti` must be kept. */
export interface LogoutToken {
  jti: string;
  sub?: string;
  sid?: string;
  /** Seconds since the epoch. */
  replayableUntil: number;
}

export interface LogoutTokenLimits {
  jwksTimeoutMs: number;
  jwksCooldownMs: number;
  clockToleranceSeconds: number;
  idTokenBytes: number;
  providerRetryAfterSeconds: number;
}

const keySets = new Map<string, JWTVerifyGetKey>();

function keyOf(source: LogoutTokenSource, limits: LogoutTokenLimits): KeyObject | JWTVerifyGetKey {
  if ('secret' in source.keys) return createSecretKey(Buffer.from(source.keys.secret, 'utf8'));
  const href = source.keys.jwksUri.href;
  // One key set per URL for the process: jose caches keys and refetches on an unknown `kid`.
  let keySet = keySets.get(href);
  if (!keySet) {
    keySet = createRemoteJWKSet(source.keys.jwksUri, {
      timeoutDuration: limits.jwksTimeoutMs,
      cooldownDuration: limits.jwksCooldownMs,
    });
    keySets.set(href, keySet);
  }
  return keySet;
}

/**
 * Verifies a logout token as Back-Channel Logout 1.0 §2.6 says: signed by the provider's keys,
 * `iss`, `aud`, `iat` (not in the future, not too old), `jti`, the logout event, a `sub` and/or
 * a `sid`, and no `nonce` (so an ID token can never pass as one). Replay of `jti` is the
 * caller's to refuse (it needs the store).
 */
export async function verifyLogoutToken(
  raw: unknown,
  source: LogoutTokenSource,
  limits: LogoutTokenLimits,
  nowMs: number,
): Promise<LogoutToken> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > limits.idTokenBytes) {
    throw problems.invalidLogoutToken('Send logout_token=<JWT> as a form body.');
  }
  const key = keyOf(source, limits);
  const options = {
    algorithms: 'secret' in source.keys ? ['HS256'] : ASYMMETRIC,
    issuer: source.issuer,
    audience: source.audience,
    requiredClaims: ['iat', 'jti', 'events'],
    maxTokenAge: MAX_LOGOUT_TOKEN_AGE_SECONDS,
    clockTolerance: limits.clockToleranceSeconds,
    currentDate: new Date(nowMs),
  };
  let payload: JWTPayload;
  try {
    payload =
      typeof key === 'function'
        ? (await jwtVerify(raw, key, options)).payload
        : (await jwtVerify(raw, key, options)).payload;
  } catch (err) {
    throw logoutTokenProblem(err, limits.providerRetryAfterSeconds);
  }
  return claimsOf(payload, nowMs / 1000, limits.clockToleranceSeconds);
}

/** The claims jose does not check for us (§2.4, §2.6 steps 4–6). */
function claimsOf(payload: JWTPayload, nowSeconds: number, tolerance: number): LogoutToken {
  const refuse = problems.invalidLogoutToken;
  const iat = payload.iat as number;
  if (iat > nowSeconds + tolerance) throw refuse('The logout token\'s "iat" is in the future.');
  const events = payload.events;
  const event =
    typeof events === 'object' && events !== null && !Array.isArray(events)
      ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
      : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw refuse('The logout token carries no back-channel logout event.');
  }
  if ('nonce' in payload) throw refuse('A logout token must not carry a "nonce".');
  const jti = boundedString(payload.jti);
  if (jti === undefined) throw refuse('The logout token\'s "jti" is not usable.');
  const sub = payload.sub === undefined ? undefined : boundedString(payload.sub);
  const sid = payload.sid === undefined ? undefined : boundedString(payload.sid);
  if (
    (payload.sub !== undefined && sub === undefined) ||
    (payload.sid !== undefined && sid === undefined)
  ) {
    throw refuse('The logout token\'s "sub" or "sid" is not usable.');
  }
  if (sub === undefined && sid === undefined) {
    throw refuse('A logout token must name a "sub" or a "sid".');
  }
  const maxAgeEnd = iat + MAX_LOGOUT_TOKEN_AGE_SECONDS + tolerance;
  const exp = typeof payload.exp === 'number' ? payload.exp + tolerance : maxAgeEnd;
  return { jti, sub, sid, replayableUntil: Math.min(exp, maxAgeEnd) };
}

function boundedString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH
    ? value
    : undefined;
}

function logoutTokenProblem(err: unknown, retryAfterSeconds: number): HttpProblem {
  // The key set could not be had: the provider's trouble, and it should try again later.
  const keysUnavailable =
    !(err instanceof errors.JOSEError) ||
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    err.code === 'ERR_JOSE_GENERIC';
  if (keysUnavailable) return problems.identityProviderUnavailable(retryAfterSeconds);
  const reason =
    err instanceof errors.JWTExpired
      ? 'The logout token has expired.'
      : err instanceof errors.JWTClaimValidationFailed
        ? `The logout token's "${err.claim}" claim is not accepted.`
        : 'The logout token could not be verified.';
  return problems.invalidLogoutToken(reason);
}
