import * as client from 'openid-client';
import type { RelyingPartyConfig } from '../config';
import { HttpProblem } from '../http/http-problem';
import { problems } from '../http/problems';
import { IDENTITY_PROVIDER } from './names';

/** What a completed code flow tells us: the ID token's claims, and the token itself. */
export interface SignedIn {
  claims: Record<string, unknown>;
  /** Kept sealed for the logout's `id_token_hint`, never sent to the browser otherwise. */
  idToken: string;
}

/** The secrets of one flow, as GET /login kept them. */
export interface FlowChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface RelyingPartyDeps {
  config: RelyingPartyConfig;
  /** The whole of each call to the provider (discovery, token endpoint, keys). */
  timeoutMs: number;
  retryAfterSeconds: number;
}

/**
 * The app's identity provider as openid-client sees it: discovery (once it succeeds; a failed
 * one is retried by the next request), the authorization URL, the code exchange with the ID
 * token's validation (signature by the issuer's JWKS, `iss`, `aud`, `exp`, `nonce`, PKCE), and
 * the end-session URL. Its failures come out as the service's problems.
 */
export class RelyingParty {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly deps: RelyingPartyDeps) {}

  /** The provider's metadata, discovered from `<issuer>/.well-known/openid-configuration`. */
  async configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover();
    try {
      return await this.discovered;
    } catch (err) {
      this.discovered = undefined;
      throw this.problemOf(err, 'sign you in');
    }
  }

  private discover(): Promise<client.Configuration> {
    const { config, timeoutMs } = this.deps;
    return client.discovery(
      config.issuer,
      config.clientId,
      undefined,
      client.ClientSecretBasic(config.clientSecret),
      {
        timeout: Math.ceil(timeoutMs / 1000),
        execute: [
          // The ID token's signature is checked against the issuer's JWKS too: openid-client
          // would otherwise trust the TLS connection to the token endpoint alone (OpenID
          // Connect Core 3.1.3.7 allows that), and a loopback http: issuer has no TLS at all.
          client.enableNonRepudiationChecks,
          // Only a loopback http: issuer in development gets here (see config/app-oidc.ts).
          ...(config.allowHttp ? [client.allowInsecureRequests] : []),
        ],
      },
    );
  }

  async authorizationUrl(checks: FlowChecks): Promise<URL> {
    const configuration = await this.configuration();
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.deps.config.redirectUri.href,
      scope: this.deps.config.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code the provider sent back to `callbackUrl`, and validates the ID token. */
  async signIn(callbackUrl: URL, checks: FlowChecks): Promise<SignedIn> {
    const configuration = await this.configuration();
    // The callback may be served behind a proxy: the URL openid-client reads is the registered one.
    const current = new URL(this.deps.config.redirectUri);
    current.search = callbackUrl.search;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw problems.invalidIdToken('No ID token came back.');
      return { claims: { ...claims }, idToken: tokens.id_token };
    } catch (err) {
      throw this.problemOf(err, 'complete the sign-in');
    }
  }

  /** Where RP-initiated logout goes, or undefined when the provider has no end-session endpoint. */
  async endSessionUrl(
    postLogoutRedirectUri: string,
    idTokenHint?: string,
  ): Promise<URL | undefined> {
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: postLogoutRedirectUri,
      ...(idTokenHint !== undefined && { id_token_hint: idTokenHint }),
    });
  }

  /** The issuer and key set logout tokens are verified against. */
  async logoutTokenSource(): Promise<{ issuer: string; audience: string; jwksUri: URL }> {
    const metadata = (await this.configuration()).serverMetadata();
    if (!metadata.jwks_uri) throw this.problemOf(new Error('no jwks_uri'), 'verify a logout');
    return {
      issuer: metadata.issuer,
      audience: this.deps.config.clientId,
      jwksUri: new URL(metadata.jwks_uri),
    };
  }

  private problemOf(err: unknown, doing: string): HttpProblem {
    if (err instanceof HttpProblem) return err;
    return relyingPartyProblem(err, doing, this.deps.retryAfterSeconds);
  }
}

// oauth4webapi's codes for an ID token (or its signature) that failed validation.
const ID_TOKEN_FAILURES = new Set([
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
]);

/** What went wrong with the provider, as the service answers it (never the provider's words). */
export function relyingPartyProblem(
  err: unknown,
  doing: string,
  retryAfterSeconds: number,
): HttpProblem {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof client.ResponseBodyError) {
    return problems.providerError(IDENTITY_PROVIDER, doing, safeCode(err.error));
  }
  if (typeof code === 'string' && ID_TOKEN_FAILURES.has(code)) {
    return problems.invalidIdToken("The identity provider's ID token did not pass validation.");
  }
  // A failed fetch may come wrapped (openid-client's "something went wrong"), and its TypeError
  // may be another realm's (jest's sandbox): judged by name, along the chain of causes.
  const names = causesOf(err).map((e) => (e as { name?: unknown } | null)?.name);
  if (names.includes('TimeoutError') || names.includes('AbortError')) {
    return problems.providerTimeout(IDENTITY_PROVIDER, doing);
  }
  if (names.includes('TypeError') || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    // fetch failed (refused, reset, DNS) or the provider answered with an error status.
    return problems.providerUnavailable(IDENTITY_PROVIDER, doing, retryAfterSeconds);
  }
  return problems.providerError(IDENTITY_PROVIDER, doing);
}

/** An OAuth error code is quoted only when it looks like one (`invalid_grant`), never free text. */
function safeCode(code: string): string | undefined {
  return /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

/** `err` and its causes, at most a few deep. */
function causesOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e = err;
    e !== undefined && e !== null && chain.length < 5;
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e);
  }
  return chain;
}
