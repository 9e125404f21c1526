import type { ClientCredentials } from '../config';
import type { ProviderNames } from '../http/problems';

/** What a code exchange or a refresh grants, as the service keeps it. */
export interface GrantedTokens {
  /** Who the grant belongs to at the provider (LikeCoin: the Liker ID). */
  subject: string;
  displayName: string;
  avatar: string;
  accessToken: string;
  refreshToken: string;
  /** Scopes the access token carries, else those asked for. */
  scopes: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * One OAuth 2.0 provider, described: where it lives, and its quirks. The core (`src/oauth/`)
 * runs the code flow, keeps grants and refreshes them for any provider so described; a second
 * provider is a second description and a mount.
 */
export interface OAuthProvider extends ProviderNames {
  readonly credentials: ClientCredentials;
  readonly authorizeUrl: URL;
  readonly tokenUrl: URL;
  readonly apiUrl: URL;
  /** Path prefixes under apiUrl the proxy may forward. */
  readonly apiPaths: readonly string[];
  readonly redirectUri: URL;
  /** The scopes a flow may ask for (all of them by default). */
  readonly scopes: readonly string[];
  /** Send an RFC 7636 S256 challenge. */
  readonly pkce: boolean;
  /** The authorization code in the callback's query. */
  codeOf(query: Readonly<Record<string, unknown>>): unknown;
  /**
   * The token endpoint's 200 answer as granted tokens (subject and expiry read its way), or
   * undefined when the answer is not what the provider documents.
   */
  parseTokenResponse(
    body: string,
    askedScopes: readonly string[],
    nowMs: number,
  ): GrantedTokens | undefined;
  /** The provider's own error code in a refusal's body, when it names one safely. */
  errorCodeOf(body: string): string | undefined;
  /**
   * What a non-200 answer of the token endpoint means: the grant refused (forget it), our client
   * refused (keep the grant, tell the operator), or undefined: not a refusal at all (rate limit,
   * a firewall page, an outage), so the grant is kept and the call may be tried later.
   */
  refusalOf(status: number, errorCode: string | undefined): 'refused' | 'misconfigured' | undefined;
}
