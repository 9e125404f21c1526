import { SignJWT } from 'jose';
import { profileClaims } from './profile-claims';

export interface ProfileToken {
  token: string;
  iat: number;
  /** Undefined when tokens are minted without expiry (TTL 0). */
  exp: number | undefined;
  customProfileId: string;
}

export type ProfileTokenMinter = (userId: string) => Promise<ProfileToken>;

export interface MinterOptions {
  clientId: string;
  clientSecret: string;
  ttlSeconds: number;
  now: () => number;
}

/**
 * Signs LiveLike profile tokens (HS256 with the client secret). The key is imported once as a
 * CryptoKey: jose signs with WebCrypto, and given raw bytes or a KeyObject it would import the
 * key again on every call.
 */
export function createProfileTokenMinter({
  clientId,
  clientSecret,
  ttlSeconds,
  now,
}: MinterOptions): ProfileTokenMinter {
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(clientSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return async (userId) => {
    const claims = profileClaims(clientId, userId, now() / 1000, ttlSeconds);
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(await key);
    return { token, iat: claims.iat, exp: claims.exp, customProfileId: claims.custom_profile_id };
  };
}
