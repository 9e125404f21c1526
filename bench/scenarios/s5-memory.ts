/**
 * S5: memory. A fresh service process, S1 load for N requests, RSS; N more, RSS. Then the same
 * for baseline (f), to compare the RSS with the floor's.
 */
import type { LoadResult } from '../load';
import { pidsOf } from '../lib/baseline';
import { rssKiB, stopChild } from '../lib/procs';
import type { Ratio } from '../lib/report';
import { startService, stopService } from '../lib/service';
import { log, SETTINGS, sleep } from '../lib/settings';
import type { Shared } from '../lib/shared';
import { load, mergeLoad, sanityCheck, type Target } from '../lib/targets';
import type { FloorToken } from './f-floor-token';

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
  /** (f) through the same load in a fresh process. */
  floor: TwoHalves;
  ratios: Ratio[];
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

/** Two halves on a fresh process; the RSS at its start (after the sanity check) too. */
export interface TwoHalves {
  rssStartKiB: number;
  runs: [MemoryRun, MemoryRun];
}

export async function twoHalves(target: Target, pid: number): Promise<TwoHalves> {
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

const mib = (kib: number) => (kib / 1024).toFixed(1);

function growthRatio(runs: [MemoryRun, MemoryRun], invalid: string[]): Ratio {
  const [m1, m2] = runs;
  const growthPct = ((m2.rssKiB - m1.rssKiB) / m1.rssKiB) * 100;
  return {
    name: `S5 RSS growth, 2nd vs 1st ${SETTINGS.memoryRequests.toLocaleString('en-US')} requests (median of 4 readings each)`,
    value: growthPct,
    display: `${growthPct >= 0 ? '+' : ''}${growthPct.toFixed(1)} % (${mib(m1.rssKiB)} → ${mib(m2.rssKiB)} MiB)`,
    target: '< 5 %',
    met: invalid.length ? false : growthPct < 5,
    note: invalid.length ? `INVALID: ${invalid.join('; ')}` : undefined,
  };
}

function floorRatio(service: MemoryRun, floor: MemoryRun, invalid: string[]): Ratio {
  const value = service.rssKiB / floor.rssKiB;
  return {
    name: `S5 RSS ÷ (f) floor RSS, each a fresh process after 2 × ${SETTINGS.memoryRequests.toLocaleString('en-US')} requests`,
    value,
    display: `${value.toFixed(2)} (${mib(service.rssKiB)} ÷ ${mib(floor.rssKiB)} MiB)`,
    target: '≤ 1.3',
    met: invalid.length ? false : value <= 1.3,
    note: invalid.length ? `INVALID: ${invalid.join('; ')}` : undefined,
  };
}

const halvesLine = (runs: MemoryRun[]) =>
  runs
    .map((m) => `${mib(m.rssKiB)} MiB after ${m.after.toLocaleString('en-US')} requests`)
    .join(', ');

function describe(service: TwoHalves, floor: TwoHalves): MemoryOutcome {
  const invalid = runInvalid(service.runs);
  const floorInvalid = runInvalid(floor.runs);
  const line =
    `S5: fresh service RSS ${mib(service.rssStartKiB)} MiB before the load, ${halvesLine(service.runs)}; ` +
    `(f) floor, fresh process, same load: ${mib(floor.rssStartKiB)} MiB before, ${halvesLine(floor.runs)}`;
  return {
    rssStartKiB: service.rssStartKiB,
    runs: service.runs,
    growthPct: growthRatio(service.runs, invalid).value ?? Number.NaN,
    floor,
    ratios: [
      growthRatio(service.runs, invalid),
      floorRatio(service.runs[1], floor.runs[1], [...invalid, ...floorInvalid]),
    ],
    line,
    warnings: [
      ...invalid.map((m) => `INVALID S5: ${m}`),
      ...floorInvalid.map((m) => `INVALID S5 (f): ${m}`),
    ],
  };
}

/**
 * S1's load (rotating over S1's sessions, still valid in Redis) on a fresh service process, then
 * the same on a fresh (f) process.
 */
export async function memory(
  shared: Shared,
  s1: Target,
  floor: FloorToken,
): Promise<MemoryOutcome> {
  log(
    `\nbench: S5 memory, S1 on a fresh service process: ${SETTINGS.memoryRequests} requests, twice`,
  );
  const s5 = await startService('token-bff (S5)', shared.env);
  const target: Target = {
    ...s1,
    id: 'S5',
    label: 'S5 token, cookie session (memory)',
    url: `${s5.url}/livelike/token`,
    pids: pidsOf(s5.child),
  };
  const service = await twoHalves(target, s5.child.pid);
  await stopService(s5);
  log(`bench: S5 memory, the same on a fresh (f) floor process`);
  const f = await floor.fresh();
  const floorHalves = await twoHalves(f.target, f.baseline.child.pid);
  await stopChild(f.baseline.child);
  return describe(service, floorHalves);
}
