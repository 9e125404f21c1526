/** S5: memory. A fresh service process, S1 load for N requests, RSS; N more, RSS. */
import type { LoadResult } from '../load';
import { pidsOf } from '../lib/baseline';
import { rssKiB } from '../lib/procs';
import type { Ratio } from '../lib/report';
import { login, startService, stopService, VIA_HTTPS } from '../lib/service';
import { log, SETTINGS, sleep } from '../lib/settings';
import type { Shared } from '../lib/shared';
import { load, mergeLoad, sanityCheck, type Target } from '../lib/targets';

export interface MemoryRun {
  after: number;
  rssKiB: number;
  readingsKiB: number[];
  result: LoadResult;
}

export interface MemoryOutcome {
  rssStartKiB: number;
  runs: MemoryRun[];
  growthPct: number;
  ratio: Ratio;
  line: string;
  warnings: string[];
}

// One RSS reading mostly says where the collector happened to be (the heap swings by tens of
// MiB between major GCs), so each half runs in four chunks and is judged by the median of the
// four readings taken after them.
const CHUNKS = 4;

/** `SETTINGS.memoryRequests` requests in CHUNKS chunks, an RSS reading after each. */
async function half(target: Target, pid: number, i: number): Promise<MemoryRun> {
  const readingsKiB: number[] = [];
  let result: LoadResult | undefined;
  for (let c = 0; c < CHUNKS; c++) {
    const chunk = await load(target, {
      amount: Math.ceil(SETTINGS.memoryRequests / CHUNKS),
      warmupSec: 0,
    });
    result = result ? mergeLoad(result, chunk) : chunk;
    // Let the last responses' garbage settle the way it would between bursts.
    await sleep(500);
    readingsKiB.push(rssKiB(pid));
  }
  const sorted = [...readingsKiB].sort((a, b) => a - b);
  const medianKiB = (sorted[1]! + sorted[2]!) / 2;
  const after = i * SETTINGS.memoryRequests;
  log(
    `  after ${after.toLocaleString('en-US')} requests: RSS median ${(medianKiB / 1024).toFixed(1)} MiB ` +
      `(readings ${readingsKiB.map((r) => (r / 1024).toFixed(1)).join(', ')}; ` +
      `${Math.round(result!.rps).toLocaleString('en-US')} req/s, non-2xx ${result!.non2xx}, errors ${result!.errors})`,
  );
  return { after, rssKiB: medianKiB, readingsKiB, result: result! };
}

/** Two halves on a fresh process; the RSS at its start (after login) too. */
export async function twoHalves(
  target: Target,
  pid: number,
): Promise<{ rssStartKiB: number; runs: [MemoryRun, MemoryRun] }> {
  await sanityCheck(target);
  const rssStartKiB = rssKiB(pid);
  const first = await half(target, pid, 1);
  const second = await half(target, pid, 2);
  return { rssStartKiB, runs: [first, second] };
}

export function runInvalid(runs: MemoryRun[]): string[] {
  return runs.flatMap(({ result: r }) =>
    r.non2xx + r.errors + r.timeouts > 0
      ? [`${r.non2xx} non-2xx (${JSON.stringify(r.statusCodes)}), ${r.errors} errors`]
      : [],
  );
}

function describe(rssStartKiB: number, runs: [MemoryRun, MemoryRun]): MemoryOutcome {
  const [m1, m2] = runs;
  const growthPct = ((m2.rssKiB - m1.rssKiB) / m1.rssKiB) * 100;
  const invalid = runInvalid(runs);
  const ratio: Ratio = {
    name: `S5 RSS growth, 2nd vs 1st ${SETTINGS.memoryRequests.toLocaleString('en-US')} requests (median of 4 readings each)`,
    value: growthPct,
    display: `${growthPct >= 0 ? '+' : ''}${growthPct.toFixed(1)} % (${(m1.rssKiB / 1024).toFixed(1)} → ${(m2.rssKiB / 1024).toFixed(1)} MiB)`,
    target: '< 5 %',
    met: invalid.length ? false : growthPct < 5,
    note: invalid.length ? `INVALID: ${invalid.join('; ')}` : undefined,
  };
  const line =
    `S5: fresh service RSS ${(rssStartKiB / 1024).toFixed(1)} MiB after login, ` +
    runs
      .map(
        (m) =>
          `${(m.rssKiB / 1024).toFixed(1)} MiB after ${m.after.toLocaleString('en-US')} requests`,
      )
      .join(', ');
  const warnings = invalid.map((m) => `INVALID S5: ${m}`);
  return { rssStartKiB, runs, growthPct, ratio, line, warnings };
}

export async function memory(shared: Shared): Promise<MemoryOutcome> {
  log(
    `\nbench: S5 memory, S1 on a fresh service process: ${SETTINGS.memoryRequests} requests, twice`,
  );
  const s5 = await startService('token-bff (S5)', shared.env);
  const session = await login(s5, shared.appJwtSecret, 'bench-memory-user');
  const target: Target = {
    id: 'S5',
    label: 'S5 token, cookie session (memory)',
    connections: SETTINGS.throughputConnections,
    url: `${s5.url}/livelike/token`,
    headers: { Cookie: session.cookie, 'X-CSRF': '1', ...VIA_HTTPS },
    pids: pidsOf(s5.child),
  };
  const { rssStartKiB, runs } = await twoHalves(target, s5.child.pid);
  await stopService(s5);
  return describe(rssStartKiB, runs);
}
