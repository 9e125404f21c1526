import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { Kv } from '../store/kv';
import { describeStore, printable, scrubber } from './doctor-text';

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

export const ok = (check: string, detail: string): CheckResult => ({
  verdict: 'ok',
  check,
  detail,
});
export const fail = (check: string, detail: string): CheckResult => ({
  verdict: 'FAIL',
  check,
  detail,
});
const skip = (check: string, detail: string): CheckResult => ({ verdict: 'skip', check, detail });

/**
 * One line of `token-bff doctor`: a check that asks the world, or a line saying why it is
 * skipped (its provider is not configured). Providers hand theirs in; the store's is the
 * doctor's own.
 */
export type DoctorCheck =
  | { readonly check: string; run(deps: ProbeDeps): Promise<CheckResult> }
  | { readonly check: string; readonly skipped: string };

/** What a check talks through. */
export interface ProbeDeps {
  dispatcher: Dispatcher;
}

/**
 * `token-bff doctor`: checks the configuration against the world before a deployment. The checks
 * run at once (each bounded by its own timeout); their lines come out in a fixed order: the
 * store's, then each provider's. Answers the exit code: 0 only when no configured check failed.
 */
export async function runDoctor(deps: DoctorDeps, checks: readonly DoctorCheck[]): Promise<0 | 1> {
  const pending: Promise<CheckResult>[] = [
    guarded('store', checkStore(deps)),
    ...checks.map((c) =>
      'skipped' in c ? Promise.resolve(skip(c.check, c.skipped)) : guarded(c.check, c.run(deps)),
    ),
  ];
  // Whatever a provider or the store says is printed only after every secret is taken out.
  const scrub = scrubber(deps.config);
  let failed = false;
  for (const next of pending) {
    const { verdict, check, detail } = await next;
    failed ||= verdict === 'FAIL';
    deps.out.write(`${verdict.padEnd(4)}  ${check.padEnd(20)}  ${scrub(detail)}\n`);
  }
  return failed ? 1 : 0;
}

/** A provider's checks when it is not configured: one skip line each. */
export function notConfigured(checks: readonly string[], envPrefix: string): DoctorCheck[] {
  const skipped = `not configured (${envPrefix}_CLIENT_ID, ${envPrefix}_CLIENT_SECRET unset)`;
  return checks.map((check) => ({ check, skipped }));
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
