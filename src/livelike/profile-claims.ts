import { problems } from '../http/problems';
import { MAX_USER_ID_LENGTH } from '../session/user-id';

export interface ProfileClaims {
  iss: string;
  iat: number;
  custom_profile_id: string;
  exp?: number;
}

/**
 * The claims of a LiveLike profile access token. `ttlSeconds` 0 means no `exp`.
 * LiveLike caps custom_profile_id at 255 characters; a longer id is refused, never truncated,
 * since a truncated id could name somebody else's profile.
 */
export function profileClaims(
  clientId: string,
  userId: string,
  nowSeconds: number,
  ttlSeconds: number,
): ProfileClaims {
  if (userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
    throw problems.invalidProfileId(
      `The user id must be 1 to ${MAX_USER_ID_LENGTH} characters to be a LiveLike profile id.`,
    );
  }
  const iat = Math.floor(nowSeconds);
  const claims: ProfileClaims = { iss: clientId, iat, custom_profile_id: userId };
  if (ttlSeconds > 0) claims.exp = iat + ttlSeconds;
  return claims;
}
