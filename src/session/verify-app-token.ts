import { createSecretKey } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import type { AppJwtConfig, Limits } from '../config';
import type { HttpProblem } from '../http/http-problem';
import { problems } from '../http/problems';
import { isReservedAppUserId, isValidUserId, MAX_USER_ID_LENGTH } from './user-id';

// With a JWKS, only the key's own asymmetric algorithms: an HS256 token "signed" with a public
// key (algorithm confusion) or `alg: none` never verifies. The app's logout tokens use it too.
export const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export type AppTokenVerifier = (idToken: unknown) => Promise<string>;

/**
 * Verifies the app's own ID token and returns the user id it names. `signInProviders` are the
 * providers whose sign-ins name users `<provider>:<id>`: an app id written that way is refused.
 * `now` is the service's clock: exp, nbf and iat are all judged by it.
 */
export function createAppTokenVerifier(
  cfg: AppJwtConfig,
  limits: Pick<
    Limits,
    | 'jwksTimeoutMs'
    | 'jwksCooldownMs'
    | 'clockToleranceSeconds'
    | 'idTokenBytes'
    | 'providerRetryAfterSeconds'
  >,
  signInProviders: readonly string[] = [],
  now: () => number = Date.now,
): AppTokenVerifier {
  const key: KeyObject | JWTVerifyGetKey = cfg.secret
    ? createSecretKey(Buffer.from(cfg.secret, 'utf8'))
    : createRemoteJWKSet(cfg.jwksUrl as URL, {
        timeoutDuration: limits.jwksTimeoutMs,
        cooldownDuration: limits.jwksCooldownMs,
      });
  const options = {
    algorithms: cfg.secret ? ['HS256'] : ASYMMETRIC,
    issuer: cfg.issuer,
    audience: cfg.audience,
    requiredClaims: ['exp'],
    clockTolerance: limits.clockToleranceSeconds,
  };

  return async (idToken) => {
    if (
      typeof idToken !== 'string' ||
      idToken.length === 0 ||
      idToken.length > limits.idTokenBytes
    ) {
      throw problems.invalidRequest('Send { "id_token": "<JWT>" }.');
    }
    const at = now();
    const judged = { ...options, currentDate: new Date(at) };
    let payload: JWTPayload;
    try {
      // `key` is one of two types; jose's overloads want them apart.
      payload =
        typeof key === 'function'
          ? (await jwtVerify(idToken, key, judged)).payload
          : (await jwtVerify(idToken, key, judged)).payload;
    } catch (err) {
      throw appTokenProblem(err, limits.providerRetryAfterSeconds);
    }
    // jose checks iat only with maxTokenAge; a token issued in the future is forged or from a
    // wrong clock, and would outlive its intended lifetime.
    if (typeof payload.iat === 'number' && payload.iat > at / 1000 + limits.clockToleranceSeconds) {
      throw problems.invalidIdToken('The token\'s "iat" claim is not accepted.');
    }
    return userIdFromClaim(payload[cfg.userClaim], signInProviders);
  };
}

/**
 * The user id a claim holds: a string, or a safe integer written as one, that passes the one
 * user-id rule and does not read as a provider sign-in's id.
 */
export function userIdFromClaim(value: unknown, signInProviders: readonly string[] = []): string {
  const id =
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isSafeInteger(value)
        ? String(value)
        : undefined;
  if (id === undefined || !isValidUserId(id)) {
    throw problems.invalidUserId(
      `The token's user claim must be a string or integer of 1 to ${MAX_USER_ID_LENGTH} characters, without control characters.`,
    );
  }
  if (isReservedAppUserId(id, signInProviders)) {
    throw problems.invalidUserId(
      `The token's user claim may not start with ${signInProviders.map((p) => `"${p}:"`).join(' or ')}: those ids name users who signed in with that provider.`,
    );
  }
  return id;
}

function appTokenProblem(err: unknown, retryAfterSeconds: number): HttpProblem {
  // The key set could not be had (network failure, timeout, non-200, not a JWKS): the identity
  // provider's fault, not the user's. jose passes network errors through as they are.
  const keysUnavailable =
    !(err instanceof errors.JOSEError) ||
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    err.code === 'ERR_JOSE_GENERIC';
  if (keysUnavailable) {
    return problems.identityProviderUnavailable(retryAfterSeconds);
  }
  const reason =
    err instanceof errors.JWTExpired
      ? 'The token has expired.'
      : err instanceof errors.JWTClaimValidationFailed
        ? `The token's "${err.claim}" claim is not accepted.`
        : err instanceof errors.JOSEAlgNotAllowed
          ? "The token's algorithm is not accepted."
          : 'The token could not be verified.';
  return problems.invalidIdToken(reason);
}
