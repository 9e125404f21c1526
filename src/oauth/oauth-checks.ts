import { randomBytes } from 'node:crypto';
import type { DoctorCheck, ProbeDeps, CheckResult } from '../ops/doctor';
import { fail, ok } from '../ops/doctor';
import { probe } from '../ops/doctor-probe';
import { codeShaped, shown } from '../ops/doctor-text';
import { authorizationUrl, randomHandle } from './authorization-url';
import type { OAuthProvider } from './provider';
import { verdictOf } from './token-refusal';

const pointsTo = (location: string | undefined) => (location ? ` (to ${location})` : '');

/**
 * `token-bff doctor`'s lines for an OAuth provider: its authorize page answers, and its token
 * endpoint refuses a made-up code (so the real refusal is on record before going live).
 */
export function oauthChecks(provider: OAuthProvider, timeoutMs: number): DoctorCheck[] {
  const authorize = `${provider.name} authorize`;
  const token = `${provider.name} token`;
  return [
    { check: authorize, run: (deps) => checkAuthorizePage(provider, timeoutMs, authorize, deps) },
    { check: token, run: (deps) => checkTokenEndpoint(provider, timeoutMs, token, deps) },
  ];
}

/** The names of those lines, for a provider that is not configured. */
export const oauthCheckNames = (name: string) => [`${name} authorize`, `${name} token`];

/**
 * The page a browser is sent to, asked as the service would ask it (a throwaway state), without
 * following redirects: a 3xx is an answer. 404/410 mean the route is gone (LikeCoin has been
 * retiring like.co routes), 5xx that it is broken.
 */
async function checkAuthorizePage(
  provider: OAuthProvider,
  timeoutMs: number,
  check: string,
  { dispatcher }: ProbeDeps,
): Promise<CheckResult> {
  const url = authorizationUrl({
    authorizeUrl: provider.authorizeUrl,
    clientId: provider.credentials.clientId,
    redirectUri: provider.redirectUri,
    scopes: provider.scopes,
    state: randomHandle(),
    ...(provider.pkce ? { codeVerifier: randomHandle() } : {}),
  });
  const where = shown(provider.authorizeUrl);
  const res = await probe(dispatcher, { url, method: 'GET', timeoutMs });
  if (res.kind !== 'answer') return fail(check, `${where} ${res.detail}`);
  const { status } = res;
  if (status === 404 || status === 410) {
    return fail(check, `${where} answered ${status}: no page there; check the authorize URL`);
  }
  if (status >= 500) return fail(check, `${where} answered ${status}`);
  return ok(check, `${where} answered ${status}${pointsTo(res.location)}`);
}

/**
 * Sends a made-up code, exactly as a real exchange is sent (client secret in the form body
 * only), so the provider's real refusal gets on record. Accepting it would mean no code is
 * checked; a refusal of our own client, or a redirect, means every sign-in would fail.
 */
async function checkTokenEndpoint(
  provider: OAuthProvider,
  timeoutMs: number,
  check: string,
  { dispatcher }: ProbeDeps,
): Promise<CheckResult> {
  const where = shown(provider.tokenUrl);
  const form = new URLSearchParams({
    client_id: provider.credentials.clientId,
    client_secret: provider.credentials.clientSecret,
    grant_type: 'authorization_code',
    // Recognisable in the provider's logs, and never a code anyone was given.
    code: `token-bff-doctor-${randomBytes(16).toString('hex')}`,
    redirect_uri: provider.redirectUri.href,
  });
  const res = await probe(dispatcher, {
    url: provider.tokenUrl.href,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    timeoutMs,
  });
  if (res.kind !== 'answer') return fail(check, `${where} ${res.detail}`);
  const { status } = res;
  const code = codeShaped(provider.errorCodeOf(res.body));
  const said = `${status} ${code ?? `(no error code in its ${res.type} answer)`}`;
  // The service's own reading of the same answer: what the doctor passes is what it relies on.
  switch (verdictOf(status, code, provider.clientErrorCodes)) {
    case 'refused':
      return ok(check, `${where} refuses a made-up code: ${said}`);
    case 'answer':
      return fail(check, `${where} accepted a made-up code (${status})`);
    case 'misconfigured':
      if (status >= 400) {
        return fail(check, `${where} refused our client: ${said}; check the client id and secret`);
      }
      return fail(
        check,
        `${where} answered ${status}${pointsTo(res.location)}: not the token endpoint itself`,
      );
    case 'unavailable':
      if (status >= 500) return fail(check, `${where} answered ${said}`);
      return fail(check, `${where} answered ${said}: busy, not a verdict; run the doctor again`);
  }
}
