import type { ClientCredentials } from '../config';
import type { ProviderNames } from '../http/problems';

/** What a code exchange or a refresh grants, as the service keeps it. */
export interface GrantedTokens {
  /** Who the grant belongs to at the provider (LikeCoin: the Liker ID). Never changes. */
  subject: string;
  displayName: string;
  avatar: string;
  accessToken: string;
  /** Empty when the provider never gave one: the grant then ends as a refused one would. */
  refreshToken: string;
  /** Scopes the access token carries, else those the answer names, else those known before. */
  scopes: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /**
   * When the access token was issued, ms since the epoch: its `iat` when it has a numeric one,
   * else `requestedAt`. Orders tokens from concurrent connections of one subject.
   */
  issuedAt: number;
  /** When our token-endpoint request that got these tokens was sent (this instance's clock, ms). */
  requestedAt: number;
}

/**
 * Why a token endpoint's success answer cannot be stored: it is not one we can read (no access
 * token, no usable subject, a field over its bound, not JSON), or it names another subject than
 * the grant's (a grant's subject never changes).
 */
export type AnswerFailure = 'unusable' | 'subject_changed';

export type ParsedAnswer = { tokens: GrantedTokens } | { failure: AnswerFailure };

/** When the request whose answer is being read was sent, and what is known without it. */
export interface ExchangeContext {
  askedScopes: readonly string[];
  requestedAt: number;
}

export interface RefreshContext {
  /** The grant being refreshed: whatever the answer leaves out keeps its value here. */
  stored: GrantedTokens;
  requestedAt: number;
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
  /** The query parameters the callback's authorization code may come in, the standard's first. */
  readonly codeParams: readonly [string, ...string[]];
  /** A code exchange's success answer as the grant's tokens, or why it cannot be one. */
  parseExchangeAnswer(body: string, context: ExchangeContext): ParsedAnswer;
  /** A refresh's success answer merged into the stored tokens, or why nothing may be stored. */
  parseRefreshAnswer(body: string, context: RefreshContext): ParsedAnswer;
  /** The provider's own error code in a refusal's body, when it names one safely. */
  errorCodeOf(body: string): string | undefined;
  /**
   * The provider's error codes that refuse our client (its credentials), not the grant. RFC
   * 6749's own (`invalid_client`, `unauthorized_client`) are known without being listed.
   */
  readonly clientErrorCodes: readonly string[];
}
