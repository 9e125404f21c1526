import { request, type Dispatcher } from 'undici';
import type { AnswerFailure, GrantedTokens, OAuthProvider, ParsedAnswer } from './provider';
import { traceTokenCall } from './oauth-spans';
import { verdictOf } from './token-refusal';

/**
 * Why a call to the token endpoint failed; each maps to one answer of ours
 * (`providerProblem`). refused: the code or refresh token is dead (the grant is);
 * misconfigured: the provider refused our client (ours to fix, the grant is fine); unavailable,
 * timeout: no verdict, try later; unusable, subject_changed: a success answer we may not store.
 */
export type ProviderFailure =
  'refused' | 'misconfigured' | 'unavailable' | 'timeout' | AnswerFailure;

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailure,
    /** The provider's own error code, when it said one. */
    readonly providerCode?: string,
  ) {
    super(`token endpoint ${kind}${providerCode ? `: ${providerCode}` : ''}`);
    this.name = 'ProviderError';
  }
}

export interface TokenEndpointOptions {
  provider: OAuthProvider;
  dispatcher: Dispatcher;
  /** The whole call, connect to last byte. */
  timeoutMs: number;
  maxResponseBytes: number;
  now: () => number;
}

export interface TokenEndpointClient {
  exchangeCode(
    code: string,
    askedScopes: readonly string[],
    codeVerifier?: string,
  ): Promise<GrantedTokens>;
  /** Refreshes `stored` with its refresh token: the stored tokens, updated by the answer. */
  refresh(stored: GrantedTokens): Promise<GrantedTokens>;
}

/**
 * Talks to a provider's token endpoint (RFC 6749 §4.1.3, §6), form-encoded with the client
 * credentials in the body. One attempt per call, never a retry: a code works once, and a refresh
 * token that was sent may already have been rotated.
 */
export function tokenEndpointClient(opts: TokenEndpointOptions): TokenEndpointClient {
  const { provider } = opts;
  const post = (
    params: Record<string, string> & { grant_type: string },
    read: (body: string, requestedAt: number) => ParsedAnswer,
  ): Promise<GrantedTokens> =>
    traceTokenCall(provider.name, params.grant_type, () => call(params, read), failureOf);
  const call = async (
    params: Record<string, string>,
    read: (body: string, requestedAt: number) => ParsedAnswer,
  ): Promise<GrantedTokens> => {
    const body = new URLSearchParams({
      client_id: provider.credentials.clientId,
      client_secret: provider.credentials.clientSecret,
      ...params,
    });
    const signal = AbortSignal.timeout(opts.timeoutMs);
    // Stamped before sending: whatever the answer carries was issued after this.
    const requestedAt = opts.now();
    let status: number;
    let answer: string | undefined;
    try {
      const res = await request(provider.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: body.toString(),
        dispatcher: opts.dispatcher,
        signal,
      });
      status = res.statusCode;
      answer = await readLimited(res.body, opts.maxResponseBytes);
    } catch {
      throw new ProviderError(signal.aborted ? 'timeout' : 'unavailable');
    }
    // A body over the limit is not read: the status alone says what it was.
    const code = answer === undefined ? undefined : provider.errorCodeOf(answer);
    const verdict = verdictOf(status, code, provider.clientErrorCodes);
    if (verdict !== 'answer') throw new ProviderError(verdict, code);
    const parsed = answer === undefined ? undefined : read(answer, requestedAt);
    if (parsed === undefined || 'failure' in parsed) {
      const failure = parsed?.failure ?? 'unusable';
      throw new ProviderError(failure, failure === 'unusable' ? 'unexpected_response' : undefined);
    }
    return parsed.tokens;
  };

  return {
    exchangeCode: (code, askedScopes, codeVerifier) =>
      post(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: provider.redirectUri.href,
          ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
        },
        (text, requestedAt) => provider.parseExchangeAnswer(text, { askedScopes, requestedAt }),
      ),
    refresh: (stored) =>
      post(
        { grant_type: 'refresh_token', refresh_token: stored.refreshToken },
        (text, requestedAt) => provider.parseRefreshAnswer(text, { stored, requestedAt }),
      ),
  };
}

function failureOf(err: unknown) {
  return err instanceof ProviderError ? err : undefined;
}

/** The body as text, or undefined once it passes `limit` (the rest is not waited for). */
async function readLimited(
  body: Dispatcher.ResponseData['body'],
  limit: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
