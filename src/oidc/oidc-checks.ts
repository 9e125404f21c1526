import type { RelyingPartyConfig } from '../config';
import type { CheckResult, DoctorCheck, ProbeDeps } from '../ops/doctor';
import { fail, ok } from '../ops/doctor';
import { probe } from '../ops/doctor-probe';
import { printable, shown } from '../ops/doctor-text';

const check = 'identity provider discovery';
// What GET /login, its callback and back-channel logout need from the discovery document.
const NEEDED = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;

/** `token-bff doctor`'s line for the app's identity provider, when APP_OIDC_* is set. */
export function oidcChecks(
  config: RelyingPartyConfig | undefined,
  timeoutMs: number,
): DoctorCheck[] {
  if (!config) return [];
  return [{ check, run: (deps) => checkDiscovery(config.issuer, timeoutMs, deps) }];
}

/** OpenID Connect Discovery 1.0 §4: the document names this issuer, and what a sign-in needs. */
async function checkDiscovery(
  issuer: URL,
  timeoutMs: number,
  { dispatcher }: ProbeDeps,
): Promise<CheckResult> {
  const url = new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const res = await probe(dispatcher, {
    url: url.href,
    method: 'GET',
    headers: { accept: 'application/json' },
    timeoutMs,
  });
  const where = shown(url);
  if (res.kind !== 'answer') return fail(check, `${where} ${res.detail}`);
  if (res.status !== 200) return fail(check, `${where} answered ${res.status}`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return fail(check, `${where} answered no JSON document`);
  }
  const named = typeof doc.issuer === 'string' ? doc.issuer : '';
  if (named.replace(/\/$/, '') !== issuer.href.replace(/\/$/, '')) {
    return fail(check, `${where} names another issuer (${printable(named, 80)})`);
  }
  const missing = NEEDED.filter((field) => typeof doc[field] !== 'string');
  if (missing.length > 0) return fail(check, `${where} has no ${missing.join(', ')}`);
  const endSession = typeof doc.end_session_endpoint === 'string' ? 'with' : 'without';
  return ok(check, `${where}: ${printable(named, 80)}, ${endSession} an end-session endpoint`);
}
