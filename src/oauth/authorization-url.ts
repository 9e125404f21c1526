import { createHash, randomBytes } from 'node:crypto';

export interface AuthorizationRequest {
  authorizeUrl: URL;
  clientId: string;
  redirectUri: URL;
  scopes: readonly string[];
  state: string;
  /** RFC 7636 verifier; its S256 challenge is sent when present. */
  codeVerifier?: string;
}

/** The provider's authorize page URL for one flow (RFC 6749 §4.1.1). */
export function authorizationUrl(req: AuthorizationRequest): string {
  const url = new URL(req.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', req.clientId);
  url.searchParams.set('redirect_uri', req.redirectUri.href);
  url.searchParams.set('scope', req.scopes.join(' '));
  url.searchParams.set('state', req.state);
  if (req.codeVerifier !== undefined) {
    url.searchParams.set('code_challenge', pkceChallenge(req.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.href;
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** 256 random bits, URL-safe: for state values, PKCE verifiers and one-time handles. */
export function randomHandle(): string {
  return randomBytes(32).toString('base64url');
}
