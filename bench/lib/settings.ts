/** The harness's knobs (environment variables, see bench/README.md) and its progress log. */
import { LOAD_CPU, SERVER_CPU } from './procs';

function numberEnv(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return n;
}

export const SETTINGS = {
  seconds: numberEnv('BENCH_SECONDS', 5, 1),
  warmupSeconds: numberEnv('BENCH_WARMUP_SECONDS', 2, 0),
  rounds: Math.floor(numberEnv('BENCH_ROUNDS', 3, 1)),
  throughputConnections: 50,
  latencyConnections: 1,
  stormSize: Math.floor(numberEnv('BENCH_STORM', 1000, 1)),
  memoryRequests: Math.floor(numberEnv('BENCH_S5_REQUESTS', 200_000, 1000)),
  /** Distinct sessions S1–S3, (f) and (g) rotate over. */
  sessions: Math.floor(numberEnv('BENCH_SESSIONS', 10_000, 1)),
  /** Distinct Liker users S3's sessions are connected to (round-robin). */
  likers: Math.floor(numberEnv('BENCH_LIKERS', 1000, 1)),
  /** Time S3's setup may spend connecting sessions to LikeCoin (four calls each). */
  s3SetupSeconds: numberEnv('BENCH_S3_SETUP_SECONDS', 20, 1),
  /** `gateway`: only the proxy groups with S6 and its baselines (no token group, S4 or S5). */
  only: onlyEnv(),
};

function onlyEnv(): 'gateway' | undefined {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw !== 'gateway') throw new Error('BENCH_ONLY must be gateway (or unset)');
  return raw;
}

export type Settings = typeof SETTINGS;

/** Progress goes to stderr; the results table to stdout. */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const round2 = (n: number | undefined): number => Math.round((n ?? 0) * 100) / 100;

/** What the run is about to do, before it does it. */
export function logPlan(pinned: boolean): void {
  log(
    `bench: ${SETTINGS.rounds} rounds × ${SETTINGS.seconds} s (+${SETTINGS.warmupSeconds} s warm-up, not counted) per target; ` +
      `${SETTINGS.throughputConnections} connections for throughput, ${SETTINGS.latencyConnections} for latency`,
  );
  log(
    pinned
      ? `bench: pinned with taskset: servers and Redis on CPU ${SERVER_CPU}, load generators on CPU ${LOAD_CPU}`
      : 'bench: not pinned (no taskset, fewer than 2 CPUs, or BENCH_PIN=0)',
  );
  log('bench: the service runs with LOG_LEVEL=warn (NODE_ENV=production)');
}
