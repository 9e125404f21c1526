import { request, type Dispatcher } from 'undici';
import type { GrantedTokens, OAuthProvider } from './provider';

/** Why a call to the token endpoint failed; each maps to one answer of ours. */
export class ProviderError extends Error {
  constructor(
    /**
     * refused: the code or refresh token is dead (the grant is); misconfigured: the provider
     * refused our client credentials (ours to fix, the grant is fine); unavailable, timeout.
     */
    readonly kind: 'refused' | 'misconfigured' | 'unavailable' | 'timeout',
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
  refresh(refreshToken: string, knownScopes: readonly string[]): Promise<GrantedTokens>;
}

/**
 * Talks to a provider's token endpoint (RFC 6749 §4.1.3, §6), form-encoded with the client
 * credentials in the body. One attempt per call, never a retry: a code works once, and a refresh
 * token that was sent may already have been rotated.
 */
export function tokenEndpointClient(opts: TokenEndpointOptions): TokenEndpointClient {
  const { provider } = opts;
  const post = async (params: Record<string, string>, askedScopes: readonly string[]) => {
    const body = new URLSearchParams({
      client_id: provider.credentials.clientId,
      client_secret: provider.credentials.clientSecret,
      ...params,
    });
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let status: number;
    let text: string;
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
      text = await readLimited(res.body, opts.maxResponseBytes);
    } catch {
      throw new ProviderError(signal.aborted ? 'timeout' : 'unavailable');
    }
    if (status !== 200) {
      const code = provider.errorCodeOf(text);
      throw new ProviderError(provider.refusalOf(status, code) ?? 'unavailable', code);
    }
    const granted = provider.parseTokenResponse(text, askedScopes, opts.now());
    if (!granted) throw new ProviderError('unavailable', 'unexpected_response');
    return granted;
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
        askedScopes,
      ),
    refresh: (refreshToken, knownScopes) =>
      post({ grant_type: 'refresh_token', refresh_token: refreshToken }, knownScopes),
  };
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new Error('response too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
