import request from 'supertest';
import type { OidcStandIn } from './oidc-stand-in';

export const CLIENT_ID = 'app-client';
export const CLIENT_SECRET = 'app-client-secret-0123456789';

/** The service's variables for a relying party of `issuer`, with back-channel logout on. */
export function oidcEnv(issuer: string): Record<string, string> {
  return {
    APP_OIDC_ISSUER: issuer,
    APP_OIDC_CLIENT_ID: CLIENT_ID,
    APP_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    APP_BACKCHANNEL_LOGOUT: 'true',
    ALLOWED_RETURN_TO: 'https://app.example',
  };
}

export interface StartedLogin {
  /** "name=value" of the session cookie GET /login set. */
  cookie: string;
  state: string;
  nonce: string;
  location: URL;
}

/** GET /login as a browser: where it was sent, with the cookie it was given. */
export async function startLogin(
  url: string,
  returnTo = 'https://app.example/done',
): Promise<StartedLogin> {
  const res = await request(url).get('/login').query({ return_to: returnTo }).expect(302);
  const location = new URL(res.headers.location!);
  const setCookie = res.headers['set-cookie'] as unknown as string[];
  return {
    cookie: setCookie[0]!.split(';')[0]!,
    state: location.searchParams.get('state')!,
    nonce: location.searchParams.get('nonce')!,
    location,
  };
}

/** Claims a good ID token of `standIn` carries for this login. */
export function idTokenClaims(
  standIn: Pick<OidcStandIn, 'issuer'>,
  nonce: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: standIn.issuer,
    aud: CLIENT_ID,
    sub: 'alice',
    sid: 'op-sid-1',
    nonce,
    iat: now,
    exp: now + 300,
    ...extra,
  };
}

/** The new session cookie a response set ("name=value"). */
export function cookieOf(res: request.Response): string {
  const setCookie = res.headers['set-cookie'] as unknown as string[] | undefined;
  return setCookie?.[0]?.split(';')[0] ?? '';
}

/** The bearer session token a cookie carries (the same signed session id, without "s:"). */
export function bearerOf(cookie: string): string {
  return decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).replace(/^s:/, '');
}

/** Claims of a good logout token of `standIn`. */
export function logoutClaims(
  standIn: Pick<OidcStandIn, 'issuer'>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: standIn.issuer,
    aud: CLIENT_ID,
    iat: now,
    exp: now + 120,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    ...extra,
  };
}
