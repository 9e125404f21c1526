import { appIdToken } from '../support/app-tokens';
import { call, describeFigures, type Answer, type Figures } from '../support/load';

export interface ScenarioResult {
  name: string;
  /** One line each: what was measured. */
  figures: string[];
  /** One line each: a rule the run broke. Empty means the scenario passed. */
  violations: string[];
}

/** Collects a scenario's figures and broken rules. */
export class Scenario {
  readonly figures: string[] = [];
  readonly violations: string[] = [];
  constructor(readonly name: string) {}

  measure(label: string, f: Figures): void {
    this.figures.push(`${label}: ${describeFigures(f)}`);
  }

  note(line: string): void {
    this.figures.push(line);
  }

  /** Records `rule` as broken unless `ok`. */
  rule(ok: boolean, rule: string): void {
    if (!ok) this.violations.push(rule);
  }

  result(): ScenarioResult {
    return { name: this.name, figures: this.figures, violations: this.violations };
  }
}

/** Logs `count` users in through POST /session: their bearer session tokens. */
export async function bearerSessions(url: string, count: number, prefix: string) {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call(`${url}/session`, {
      method: 'POST',
      body: JSON.stringify({ id_token: appIdToken({ sub: `${prefix}-${i}` }) }),
    });
    if (res.status !== 200) throw new Error(`login ${prefix}-${i}: ${res.status} ${res.body}`);
    tokens.push((JSON.parse(res.body) as { session_token: string }).session_token);
  }
  return tokens;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "name=value" of the session cookie an answer set, if any. */
export const cookieOf = (a: Answer) =>
  ((a.headers['set-cookie'] as string[] | undefined) ?? [])
    .find((c) => c.startsWith('token-bff=s%3A'))
    ?.split(';')[0];

/** A browser signs in with LikeCoin at `url` (the provider approves at once): its cookie. */
export async function webConnects(url: string): Promise<string> {
  const start = await call(`${url}/likecoin/authorize?return_to=https%3A%2F%2Fapp.example%2Fdone`);
  const atProvider = await call(String(start.headers.location));
  const back = new URL(String(atProvider.headers.location));
  const callback = await call(`${url}${back.pathname}${back.search}`, {
    headers: { cookie: cookieOf(start) ?? '' },
  });
  const cookie = cookieOf(callback);
  if (callback.status !== 302 || !cookie)
    throw new Error(`LikeCoin sign-in: ${callback.status} ${callback.body.slice(0, 200)}`);
  return cookie;
}
