import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import { likeCoinProvider } from '../likecoin/likecoin-provider';
import { authorizationUrl, randomHandle } from '../oauth/authorization-url';
import type { OAuthProvider } from '../oauth/provider';
import { verdictOf } from '../oauth/token-refusal';
import type { Kv } from '../store/kv';
import { probe } from './doctor-probe';
import { codeShaped, describeStore, printable, scrubber, shown } from './doctor-text';

export type Verdict = 'ok' | 'FAIL' | 'skip';

export interface CheckResult {
  readonly verdict: Verdict;
  readonly check: string;
  readonly detail: string;
}

export interface DoctorDeps {
  config: Config;
  /** The configured Redis; undefined for the embedded store, which only the service holds. */
  kv: Kv | undefined;
  /** For every outbound call; its connect timeout bounds the connection. */
  dispatcher: Dispatcher;
  /** Where the lines go, one per check, as each is known. */
  out: { write(text: string): unknown };
}

const ok = (check: string, detail: string): CheckResult => ({ verdict: 'ok', check, detail });
const fail = (check: string, detail: string): CheckResult => ({ verdict: 'FAIL', check, detail });
const skip = (check: string, detail: string): CheckResult => ({ verdict: 'skip', check, detail });
const pointsTo = (location: string | undefined) => (location ? ` (to ${location})` : '');

/**
 * `token-bff doctor`: checks the configuration against the world before a deployment. The checks
 * run at once (each bounded by its own timeout); their lines come out in a fixed order. Answers
 * the exit code: 0 only when no configured check failed.
 */
export async function runDoctor(deps: DoctorDeps): Promise<0 | 1> {
  const { config } = deps;
  const likecoin = config.likecoin.credentials
    ? likeCoinProvider(config.likecoin, config.likecoin.credentials)
    : undefined;
  const unset = (name: string) => `not configured (${name}_CLIENT_ID, ${name}_CLIENT_SECRET unset)`;
  const livelike = config.livelike.credentials;
  const checks: Promise<CheckResult>[] = [
    guarded('store', checkStore(deps)),
    likecoin
      ? guarded('likecoin authorize', checkAuthorizePage(likecoin, config.likecoin.timeoutMs, deps))
      : Promise.resolve(skip('likecoin authorize', unset('LIKECOIN'))),
    likecoin
      ? guarded('likecoin token', checkTokenEndpoint(likecoin, config.likecoin.timeoutMs, deps))
      : Promise.resolve(skip('likecoin token', unset('LIKECOIN'))),
    livelike
      ? guarded(
          'livelike application',
          checkLiveLikeApplication(
            config.livelike.apiUrl,
            livelike.clientId,
            config.limits.upstreamFirstByteMs,
            deps,
          ),
        )
      : Promise.resolve(skip('livelike application', unset('LIVELIKE'))),
  ];
  // Whatever a provider or the store says is printed only after every secret is taken out.
  const scrub = scrubber(config);
  let failed = false;
  for (const pending of checks) {
    const { verdict, check, detail } = await pending;
    failed ||= verdict === 'FAIL';
    deps.out.write(`${verdict.padEnd(4)}  ${check.padEnd(20)}  ${scrub(detail)}\n`);
  }
  return failed ? 1 : 0;
}

/**
 * A check that throws (a bug, not an answer) is a FAIL line like any other, and never an
 * unhandled rejection while an earlier line is still awaited.
 */
function guarded(check: string, result: Promise<CheckResult>): Promise<CheckResult> {
  return result.catch((err: unknown) => {
    const { message } = (err ?? {}) as { message?: unknown };
    const why = typeof message === 'string' ? printable(message, 120) : 'unknown error';
    return fail(check, `the check itself failed (${why})`);
  });
}

async function checkStore({ config, kv }: DoctorDeps): Promise<CheckResult> {
  const topology = config.redis.topology;
  if (!kv || !topology) {
    return skip('store', 'no Redis configured: the embedded store lives inside the service');
  }
  const what = describeStore(topology);
  try {
    await kv.ready(config.limits.redisConnectTimeoutMs);
    await kv.ping(); // bounded by the store's command timeout
    return ok('store', `${what} answers`);
  } catch (err) {
    // StoreUnavailableError says only that; what the client met is its cause.
    const { cause } = err as { cause?: { message?: unknown } };
    const why = typeof cause?.message === 'string' ? printable(cause.message, 120) : 'no answer';
    return fail('store', `${what} does not answer (${why})`);
  }
}

/**
 * The page a browser is sent to, asked as the service would ask it (a throwaway state), without
 * following redirects: a 3xx is an answer. 404/410 mean the route is gone (LikeCoin has been
 * retiring like.co routes), 5xx that it is broken.
 */
async function checkAuthorizePage(
  provider: OAuthProvider,
  timeoutMs: number,
  { dispatcher }: DoctorDeps,
): Promise<CheckResult> {
  const check = `${provider.name} authorize`;
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
  { dispatcher }: DoctorDeps,
): Promise<CheckResult> {
  const check = `${provider.name} token`;
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

/** What LiveLike's SDK reads first, without credentials: the application, by its client id. */
async function checkLiveLikeApplication(
  apiUrl: URL,
  clientId: string,
  timeoutMs: number,
  { dispatcher }: DoctorDeps,
): Promise<CheckResult> {
  const check = 'livelike application';
  const base = apiUrl.href.replace(/\/?$/, '/');
  const url = new URL(`applications/${encodeURIComponent(clientId)}/`, base);
  const res = await probe(dispatcher, {
    url: url.href,
    method: 'GET',
    headers: { accept: 'application/json' },
    timeoutMs,
  });
  const where = shown(url);
  if (res.kind !== 'answer') return fail(check, `${where} ${res.detail}`);
  const field = (name: string): string | undefined => {
    try {
      const value: unknown = (JSON.parse(res.body) as Record<string, unknown>)[name];
      return typeof value === 'string' ? printable(value, 80) : undefined;
    } catch {
      return undefined;
    }
  };
  if (res.status === 200) {
    const name = field('name');
    return ok(
      check,
      `${where} answered 200${name === undefined ? '' : ` (${JSON.stringify(name)})`}`,
    );
  }
  const detail = field('detail');
  const said = detail === undefined ? '' : ` ${JSON.stringify(detail)}`;
  return fail(check, `${where} answered ${res.status}${said}; check the client id and API URL`);
}
