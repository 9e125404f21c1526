import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { IncomingHttpHeaders } from 'node:http';
import type { Credential } from './session-data';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

/**
 * Which credential a request carries. A Bearer header wins over any cookie (mobile clients and
 * cookie jars mix). Nothing is verified here: express-session checks the signature when it loads
 * the session, and `isSignedBy` answers for the requests it found no session for.
 */
export function readCredential(headers: IncomingHttpHeaders, cookieName: string): Credential {
  const authorization = headers.authorization;
  if (authorization !== undefined && /^bearer /i.test(authorization)) {
    return { carrier: 'bearer', signedId: BEARER.exec(authorization)?.[1] ?? '' };
  }
  const cookieHeader = headers.cookie;
  if (cookieHeader === undefined || !cookieHeader.includes(cookieName)) return { carrier: 'none' };
  const raw = parseCookies(cookieHeader)[cookieName];
  if (raw === undefined) return { carrier: 'none' };
  // express-session marks signed values with "s:"; anything else cannot be ours.
  return { carrier: 'cookie', signedId: raw.startsWith('s:') ? raw.slice(2) : '' };
}

/** Whether `signedId` ("<sid>.<signature>") was signed with one of `secrets` (rotation). */
export function isSignedBy(signedId: string, secrets: readonly string[]): boolean {
  return signedId !== '' && secrets.some((secret) => unsign(signedId, secret) !== false);
}

/** The session id part of a signed id, unverified. */
export function unverifiedSessionId(signedId: string): string {
  const dot = signedId.lastIndexOf('.');
  return dot === -1 ? '' : signedId.slice(0, dot);
}
