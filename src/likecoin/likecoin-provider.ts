import type { LikeCoinConfig } from '../config';
import type { OAuthProvider } from '../oauth/provider';
import { exchangeGrant, refreshGrant } from '../oauth/token-answer';
import { readLikeCoinAnswer } from './likecoin-answer';

// LikeCoin's answers about our client, not about the user's grant (its public source names them).
const CLIENT_ERRORS = ['MISSING_CLIENT_INFO', 'INVALID_CLIENT_CRED'];

// LikeCoin's documented access-token lifetime, for a token whose `exp` cannot be read.
const DEFAULT_LIFETIME_MS = 3600_000;

// What a provider's error code may look like to be repeated in a log line or an answer.
const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

// Older LikeCoin clients got the code as `auth_code`; both names still arrive.
export const LIKECOIN_CODE_PARAMS: readonly [string, ...string[]] = ['code', 'auth_code'];

/** LikeCoin, described for the provider-neutral OAuth core. */
export function likeCoinProvider(
  config: LikeCoinConfig,
  credentials: NonNullable<LikeCoinConfig['credentials']>,
): OAuthProvider {
  return {
    name: 'likecoin',
    label: 'LikeCoin',
    credentials,
    authorizeUrl: config.authorizeUrl,
    tokenUrl: config.tokenUrl,
    apiUrl: config.apiUrl,
    apiPaths: config.apiPaths,
    redirectUri: config.redirectUri,
    scopes: config.scopes,
    pkce: config.pkce,
    codeParams: LIKECOIN_CODE_PARAMS,
    parseExchangeAnswer: (body, context) =>
      exchangeGrant(readLikeCoinAnswer(body), context, DEFAULT_LIFETIME_MS),
    parseRefreshAnswer: (body, context) =>
      refreshGrant(readLikeCoinAnswer(body), context, DEFAULT_LIFETIME_MS),
    errorCodeOf: likeCoinErrorCode,
    clientErrorCodes: CLIENT_ERRORS,
  };
}

/**
 * The error code in a refusal: LikeCoin's own API answers a bare text/plain code
 * (INVALID_CLIENT_CRED); its token route is not public, so RFC 6749's JSON `{ "error" }` is read
 * too. Anything else (an HTML page, a long text) names no code.
 */
export function likeCoinErrorCode(body: string): string | undefined {
  const text = body.trim();
  if (SAFE_CODE.test(text)) return text;
  if (!text.startsWith('{')) return undefined;
  try {
    const error: unknown = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === 'string' && SAFE_CODE.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}
