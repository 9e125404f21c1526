import type { LiveLikeConfig } from '../config';
import type { CheckResult, DoctorCheck, ProbeDeps } from '../ops/doctor';
import { fail, notConfigured, ok } from '../ops/doctor';
import { probe } from '../ops/doctor-probe';
import { printable, shown } from '../ops/doctor-text';

const check = 'livelike application';

/** `token-bff doctor`'s line for LiveLike: the application its SDK reads first answers. */
export function liveLikeChecks(config: LiveLikeConfig, timeoutMs: number): DoctorCheck[] {
  const credentials = config.credentials;
  if (!credentials) return notConfigured([check], 'LIVELIKE');
  return [
    {
      check,
      run: (deps) => checkLiveLikeApplication(config.apiUrl, credentials.clientId, timeoutMs, deps),
    },
  ];
}

/** What LiveLike's SDK reads first, without credentials: the application, by its client id. */
async function checkLiveLikeApplication(
  apiUrl: URL,
  clientId: string,
  timeoutMs: number,
  { dispatcher }: ProbeDeps,
): Promise<CheckResult> {
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
