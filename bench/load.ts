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
  /**
   * A JSON file holding an array of header sets: each request adds the next one (round-robin
   * over all connections), so the load rotates over many sessions.
   */
  rotateFile?: string;
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

/** The next session's headers on every request (built per request: costs load-generator CPU). */
function rotation(file: string): autocannon.RequestSpec[] {
  const sets = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>[];
  if (sets.length === 0) throw new Error(`${file}: no header sets`);
  let next = 0;
  return [
    {
      setupRequest: (req) => {
        const set = sets[next++ % sets.length] as Record<string, string>;
        req.headers = { ...req.headers, ...set };
        return req;
      },
    },
  ];
}

/** autocannon's options shared by the warm-up and the measured run. */
function baseOptions(input: LoadInput): autocannon.Options {
  return {
    ...(input.rotateFile ? { requests: rotation(input.rotateFile) } : {}),
    url: input.url,
    connections: input.connections,
    method: input.method ?? 'GET',
    headers: input.headers ?? {},
    ...(input.body !== undefined ? { body: input.body } : {}),
    timeout: 10,
    // autocannon stops at its first sample tick after the time is up: tick often, stop promptly.
    sampleInt: 100,
  };
}

interface Window {
  latencies: Samples;
  statusCodes: Record<string, number>;
  errors: number;
  errorMessages: string[];
  timeouts: number;
  /** Measured seconds, and the CPU used over them (load generator's, servers'). */
  seconds: number;
  windowSec: number;
  loadCpu: NodeJS.CpuUsage;
  serverCpuSec: number | undefined;
}

/** Runs autocannon once, counting only the responses that arrive inside the measured window. */
async function measuredWindow(input: LoadInput, base: autocannon.Options): Promise<Window> {
  const latencies = new Samples();
  const statusCodes: Record<string, number> = {};
  const errorMessages = new Set<string>();
  let errors = 0;
  const fixedAmount = input.amount !== undefined;
  const measured = run({
    ...base,
    ...(fixedAmount ? { amount: input.amount } : { duration: input.durationSec }),
  });
  const start = performance.now();
  const loadCpu0 = process.cpuUsage();
  const serverCpu0 = cpuSeconds(input.serverPids);
  let closed: { loadCpu: NodeJS.CpuUsage; serverCpu: number | undefined; at: number } | undefined;
  const closeWindow = () => {
    closed ??= {
      loadCpu: process.cpuUsage(loadCpu0),
      serverCpu: cpuSeconds(input.serverPids),
      at: performance.now(),
    };
  };
  if (!fixedAmount) setTimeout(closeWindow, input.durationSec * 1000).unref();
  // autocannon keeps answering until its next tick after the stop: count only the window.
  const end = fixedAmount ? Infinity : start + input.durationSec * 1000;
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
  const { loadCpu, serverCpu, at } = closed!;
  return {
    latencies,
    statusCodes,
    errors,
    errorMessages: [...errorMessages],
    timeouts: result.timeouts,
    seconds: fixedAmount ? (last - start) / 1000 : Math.min(input.durationSec, result.duration),
    windowSec: (at - start) / 1000,
    loadCpu,
    serverCpuSec:
      serverCpu0 !== undefined && serverCpu !== undefined ? serverCpu - serverCpu0 : undefined,
  };
}

function toResult(w: Window, warmup: LoadResult['warmup']): LoadResult {
  const sorted = w.latencies.sorted();
  let sum = 0;
  for (const v of sorted) sum += v;
  const non2xx = Object.entries(w.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  return {
    responses: sorted.length,
    seconds: w.seconds,
    rps: sorted.length / w.seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    statusCodes: w.statusCodes,
    non2xx,
    errors: w.errors,
    timeouts: w.timeouts,
    errorMessages: w.errorMessages,
    warmup,
    loadCpuPct: ((w.loadCpu.user + w.loadCpu.system) / 1e6 / w.windowSec) * 100,
    serverCpuPct: w.serverCpuSec === undefined ? undefined : (w.serverCpuSec / w.windowSec) * 100,
  };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as LoadInput;
  const base = baseOptions(input);
  let warmup: LoadResult['warmup'];
  if (input.warmupSec > 0 && input.amount === undefined) {
    const w = await run({ ...base, duration: input.warmupSec }).done;
    warmup = { responses: w.requests.total, non2xx: w.non2xx, errors: w.errors };
  }
  const window = await measuredWindow(input, base);
  process.stdout.write(`${JSON.stringify(toResult(window, warmup))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
