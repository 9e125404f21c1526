import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  /** 0 when no answer came (connection refused or reset, or the client's own timeout). */
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** When the request was sent, and how long its answer took (ms). */
  startedAt: number;
  ms: number;
  /** Why there was no answer, when status is 0. */
  error?: string;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A fresh connection per request (`agent: false`, `Connection: close`): a TCP balancer
   *  then spreads requests, not just connections. Default true. */
  fresh?: boolean;
  /** Gives up after this long and reports status 0; never a hang. Default 15 s. */
  timeoutMs?: number;
}

/** One HTTP request, answered or not, never thrown: load loops count every outcome. */
export function call(url: string, options: CallOptions = {}): Promise<Answer> {
  const startedAt = Date.now();
  const fresh = options.fresh ?? true;
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Omit<Answer, 'startedAt' | 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, startedAt, ms: Date.now() - startedAt });
    };
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(fresh && { connection: 'close' }),
          ...(options.body !== undefined && { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(fresh && { agent: false }),
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', (err) => done({ status: 0, headers: {}, body, error: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => done({ status: 0, headers: {}, body: '', error: err.message }));
    req.end(options.body);
  });
}

export interface LoadOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Stops after this many requests, or this long, or when `until` says so: always bounded. */
  maxRequests: number;
  maxMs: number;
  until?: () => boolean;
  /** The i-th request of the run. */
  send(i: number): Promise<Answer>;
}

/** Runs `send` in `concurrency` loops until one of the bounds is reached; every answer kept. */
export async function runLoad(options: LoadOptions): Promise<Answer[]> {
  const answers: Answer[] = [];
  const deadline = Date.now() + options.maxMs;
  let next = 0;
  const stop = () =>
    next >= options.maxRequests || Date.now() >= deadline || (options.until?.() ?? false);
  const loop = async () => {
    while (!stop()) answers.push(await options.send(next++));
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return answers;
}

export interface Figures {
  requests: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
}

/** Counts by status, and latency percentiles (ms), of a set of answers. */
export function figures(answers: readonly Answer[]): Figures {
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const at = (q: number) =>
    ms.length === 0 ? 0 : ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return { requests: answers.length, statuses, p50: at(0.5), p99: at(0.99), max: ms.at(-1) ?? 0 };
}

/** The problem `code` of an answer, if it is a problem+json one. */
export function problemCode(answer: Answer): string | undefined {
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/problem+json'))
    return undefined;
  try {
    return (JSON.parse(answer.body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** "requests 1200, statuses {200: 1150, 503: 50}, p50 3 ms, p99 41 ms, max 220 ms" */
export function describeFigures(f: Figures): string {
  return (
    `requests ${f.requests}, statuses ${JSON.stringify(f.statuses)}, ` +
    `p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms`
  );
}
