/**
 * S4's load generator, run by bench/run.ts as its own process:
 * `node --import tsx bench/storm.ts '<StormInput as JSON>'`. Opens `count` keep-alive
 * connections first (GET /healthz, in batches, not measured) so the storm measures the refresh
 * and not `count` TCP handshakes at once; then sends one request on every connection at the same
 * moment and times each. Prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { percentile } from './lib/stats';

export interface StormInput {
  origin: string;
  path: string;
  headers: Record<string, string>;
  count: number;
  warmPath: string;
}

export interface StormResult {
  count: number;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  errorMessages: string[];
  p50: number;
  p99: number;
  max: number;
  /** First request sent to last answer, ms. */
  wallMs: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as StormInput;
  const clients = Array.from(
    { length: input.count },
    () => new Client(input.origin, { pipelining: 1, keepAliveTimeout: 30_000 }),
  );

  for (let i = 0; i < clients.length; i += 100) {
    await Promise.all(
      clients.slice(i, i + 100).map(async (c) => {
        const res = await c.request({ path: input.warmPath, method: 'GET' });
        await res.body.dump();
      }),
    );
  }

  const statusCodes: Record<string, number> = {};
  const errorMessages = new Set<string>();
  let errors = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      const start = performance.now();
      try {
        const res = await c.request({ path: input.path, method: 'GET', headers: input.headers });
        await res.body.dump();
        latencies.push(performance.now() - start);
        const key = String(res.statusCode);
        statusCodes[key] = (statusCodes[key] ?? 0) + 1;
      } catch (err) {
        errors++;
        errorMessages.add(err instanceof Error ? err.message : String(err));
      }
    }),
  );
  const wallMs = performance.now() - t0;
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));

  const sorted = latencies.sort((a, b) => a - b);
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((n, [, k]) => n + k, 0);
  const out: StormResult = {
    count: input.count,
    statusCodes,
    non2xx,
    errors,
    errorMessages: [...errorMessages].slice(0, 5),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    wallMs,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `storm: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
