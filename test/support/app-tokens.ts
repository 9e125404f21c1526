import jwt from 'jsonwebtoken';
import { APP_JWT_SECRET } from './test-app';

/** An app ID token as the app's identity provider would issue it (HS256, 5 minutes). */
export function appIdToken(
  claims: Record<string, unknown> = { sub: 'user-1' },
  secret = APP_JWT_SECRET,
): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: 300 });
}
