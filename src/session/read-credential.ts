import { parse as parseCookies } from 'cookie';
import { unsign } from 'cookie-signature';
import type { IncomingHttpHeaders } from 'node:http';
import type { Credential } from './session-data';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

/**
 * Which credential a request carries. A Bearer header wins over any cookie (mobile clients
 * and cookie jars mix); the value is verified against every secret (rotation).
 */
export function readCredential(
  headers: IncomingHttpHeaders,
  cookieName: string,
  secrets: readonly string[],
): Credential {
  const authorization = headers.authorization;
  if (authorization !== undefined && /^bearer /i.test(authorization)) {
    const token = BEARER.exec(authorization)?.[1];
    return {
      carrier: 'bearer',
      sid: token === undefined ? undefined : verifySigned(token, secrets),
    };
  }
  const cookieHeader = headers.cookie;
  if (cookieHeader === undefined || !cookieHeader.includes(cookieName)) return { carrier: 'none' };
  const raw = parseCookies(cookieHeader)[cookieName];
  if (raw === undefined) return { carrier: 'none' };
  // express-session marks signed values with "s:".
  return {
    carrier: 'cookie',
    sid: raw.startsWith('s:') ? verifySigned(raw.slice(2), secrets) : undefined,
  };
}

function verifySigned(value: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    const sid = unsign(value, secret);
    if (sid !== false) return sid;
  }
  return undefined;
}
