/** The harness's knobs (environment variables, see bench/README.md) and its progress log. */

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
};

export type Settings = typeof SETTINGS;

/** Progress goes to stderr; the results table to stdout. */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const round2 = (n: number | undefined): number => Math.round((n ?? 0) * 100) / 100;
