import { decodeJwt } from 'jose';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';

const MAX_RESPONSE_BYTES = 64 * 1024;

/** Why a call to the token endpoint failed; each maps to one answer of ours. */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'refused' | 'unavailable' | 'timeout',
    /** The provider's own error code (LikeCoin answers 400 text/plain like INVALID_CLIENT_CRED). */
    readonly providerCode?: string,
  ) {
    super(`token endpoint ${kind}${providerCode ? `: ${providerCode}` : ''}`);
    this.name = 'ProviderError';
  }
}

const TokenResponse = z.object({
  user: z.string().min(1).max(255),
  displayName: z.string().max(1024).nullish(),
  avatar: z.string().max(4096).nullish(),
  access_token: z
    .string()
    .min(1)
    .max(16 * 1024),
  refresh_token: z
    .string()
    .min(1)
    .max(16 * 1024),
  scope: z.union([z.array(z.string()), z.string()]).nullish(),
});

export interface GrantedTokens {
  user: string;
  displayName: string;
  avatar: string;
  accessToken: string;
  refreshToken: string;
  /** Scopes the access token carries (its `scope` claim), else those asked for. */
  scopes: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface TokenEndpointOptions {
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  /** The whole call, connect to last byte. */
  timeoutMs: number;
  now: () => number;
}

export interface TokenEndpointClient {
  exchangeCode(
    code: string,
    redirectUri: URL,
    askedScopes: string[],
    codeVerifier?: string,
  ): Promise<GrantedTokens>;
  refresh(refreshToken: string, knownScopes: string[]): Promise<GrantedTokens>;
}

/**
 * Talks to LikeCoin's token endpoint (RFC 6749 §4.1.3, §6). One attempt per call, never a
 * retry: a code works once, and a refresh token that was sent may already have been rotated.
 */
export function tokenEndpointClient(opts: TokenEndpointOptions): TokenEndpointClient {
  const post = async (
    params: Record<string, string>,
    askedScopes: string[],
    keptRefreshToken?: string,
  ) => {
    const body = new URLSearchParams({
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      ...params,
    });
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await request(opts.tokenUrl, {
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
      text = await readLimited(res.body, MAX_RESPONSE_BYTES);
    } catch {
      throw new ProviderError(signal.aborted ? 'timeout' : 'unavailable');
    }
    if (status >= 400 && status < 500) throw new ProviderError('refused', providerCode(text));
    if (status !== 200) throw new ProviderError('unavailable');
    return grantedTokens(text, askedScopes, opts.now(), keptRefreshToken);
  };

  return {
    exchangeCode: (code, redirectUri, askedScopes, codeVerifier) =>
      post(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri.href,
          ...(codeVerifier === undefined ? {} : { code_verifier: codeVerifier }),
        },
        askedScopes,
      ),
    // Whatever refresh token comes back replaces ours; none back means ours stays valid.
    refresh: (refreshToken, knownScopes) =>
      post({ grant_type: 'refresh_token', refresh_token: refreshToken }, knownScopes, refreshToken),
  };
}

function grantedTokens(
  text: string,
  askedScopes: string[],
  nowMs: number,
  keptRefreshToken?: string,
): GrantedTokens {
  let parsed;
  try {
    parsed = TokenResponse.parse(JSON.parse(text));
  } catch {
    throw new ProviderError('unavailable', 'unexpected_response');
  }
  const refreshToken = parsed.refresh_token ?? keptRefreshToken;
  if (refreshToken === undefined) throw new ProviderError('unavailable', 'unexpected_response');
  // LikeCoin sends no expires_in: the access token is a JWT whose exp we read but cannot verify.
  let claims: { exp?: unknown; scope?: unknown } = {};
  try {
    claims = decodeJwt(parsed.access_token);
  } catch {
    // Not a JWT: fall back to LikeCoin's documented one-hour lifetime below.
  }
  const scopeClaim = claims.scope ?? parsed.scope;
  const scopes = Array.isArray(scopeClaim)
    ? scopeClaim.filter((s): s is string => typeof s === 'string')
    : typeof scopeClaim === 'string'
      ? scopeClaim.split(' ').filter(Boolean)
      : askedScopes;
  return {
    user: parsed.user,
    displayName: parsed.displayName ?? '',
    avatar: parsed.avatar ?? '',
    accessToken: parsed.access_token,
    refreshToken,
    scopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : nowMs + 3600_000,
  };
}

function providerCode(text: string): string | undefined {
  const code = text.trim();
  return /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
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
