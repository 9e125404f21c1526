/**
 * The load generator, run by bench/run.ts as its own process (pinned to the load CPU):
 * `node --import tsx bench/load.ts '<LoadInput as JSON>'`. It warms up (not counted), then runs
 * autocannon for a fixed time (or a fixed number of requests), and prints one JSON line.
 *
 * Latencies are taken from autocannon's per-response event (float milliseconds) rather than its
 * histogram, which keeps whole milliseconds only: sub-millisecond differences matter here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { percentile, Samples } from './lib/stats';

export interface LoadInput {
  url: string;
  connections: number;
  /** Measured seconds (ignored when `amount` is set). */
  durationSec: number;
  warmupSec: number;
  /** A fixed number of requests instead of a fixed time. */
  amount?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Server processes whose CPU use to sample over the measured window (Linux only). */
  serverPids?: number[];
}

export interface LoadResult {
  /** Responses (any status) completed inside the measured window. */
  responses: number;
  /** Measured window in seconds. */
  seconds: number;
  rps: number;
  /** Latency in ms over every response inside the window. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** First few distinct error messages (connection refused, resets, …). */
  errorMessages: string[];
  warmup: { responses: number; non2xx: number; errors: number } | undefined;
  /** CPU used over the window, % of one core: this load generator, and the server processes. */
  loadCpuPct: number;
  serverCpuPct: number | undefined;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** utime + stime of the processes, in seconds; undefined when /proc can't say. */
function cpuSeconds(pids: number[] | undefined): number | undefined {
  if (!pids?.length) return undefined;
  try {
    let ticks = 0;
    for (const pid of pids) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / CLK_TCK;
  } catch {
    return undefined;
  }
}

function run(opts: autocannon.Options): {
  instance: autocannon.Instance;
  done: Promise<autocannon.Result>;
} {
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
  return { instance, done };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as LoadInput;
  const base = {
    url: input.url,
    connections: input.connections,
    method: input.method ?? 'GET',
    headers: input.headers ?? {},
    ...(input.body !== undefined ? { body: input.body } : {}),
    timeout: 10,
    // autocannon stops at its first sample tick after the time is up: tick often, stop promptly.
    sampleInt: 100,
  };

  let warmup: LoadResult['warmup'];
  if (input.warmupSec > 0 && input.amount === undefined) {
    const w = await run({ ...base, duration: input.warmupSec }).done;
    warmup = { responses: w.requests.total, non2xx: w.non2xx, errors: w.errors };
  }

  const latencies = new Samples();
  const statusCodes: Record<string, number> = {};
  const errorMessages = new Set<string>();
  let errors = 0;
  const measured = run({
    ...base,
    ...(input.amount !== undefined ? { amount: input.amount } : { duration: input.durationSec }),
  });
  const start = performance.now();
  const loadCpu0 = process.cpuUsage();
  const serverCpu0 = cpuSeconds(input.serverPids);
  let loadCpu1: NodeJS.CpuUsage | undefined;
  let serverCpu1: number | undefined;
  let windowEnd = 0;
  const closeWindow = () => {
    if (loadCpu1) return;
    loadCpu1 = process.cpuUsage(loadCpu0);
    serverCpu1 = cpuSeconds(input.serverPids);
    windowEnd = performance.now();
  };
  if (input.amount === undefined) setTimeout(closeWindow, input.durationSec * 1000).unref();
  // autocannon keeps answering until its next tick after the stop: count only the window.
  const end = input.amount !== undefined ? Infinity : start + input.durationSec * 1000;
  let last = start;
  measured.instance.on(
    'response',
    (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      const now = performance.now();
      if (now > end) return;
      last = now;
      latencies.push(responseTime);
      const key = String(statusCode);
      statusCodes[key] = (statusCodes[key] ?? 0) + 1;
    },
  );
  measured.instance.on('reqError', (err: Error) => {
    if (performance.now() > end) return;
    errors++;
    if (errorMessages.size < 5) errorMessages.add(err.message);
  });
  const result = await measured.done;
  closeWindow();
  const windowSec = (windowEnd - start) / 1000;
  const used = loadCpu1 as NodeJS.CpuUsage;

  const seconds =
    input.amount !== undefined
      ? (last - start) / 1000
      : Math.min(input.durationSec, result.duration);
  const sorted = latencies.sorted();
  let sum = 0;
  for (const v of sorted) sum += v;
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  const out: LoadResult = {
    responses: sorted.length,
    seconds,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    statusCodes,
    non2xx,
    errors,
    timeouts: result.timeouts,
    errorMessages: [...errorMessages],
    warmup,
    loadCpuPct: ((used.user + used.system) / 1e6 / windowSec) * 100,
    serverCpuPct:
      serverCpu0 !== undefined && serverCpu1 !== undefined
        ? ((serverCpu1 - serverCpu0) / windowSec) * 100
        : undefined,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
