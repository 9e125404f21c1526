/** A measured target, its interleaved rounds, and their summary. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { LoadInput, LoadResult } from '../load';
import { LOAD_CPU, onEmergencyExit, rssKiB, runJsonChild } from './procs';
import type { TargetSummary } from './report';
import { log, SETTINGS } from './settings';
import { spread } from './stats';

export interface Target {
  id: string;
  label: string;
  connections: number;
  url: string;
  headers?: Record<string, string>;
  /** Header sets (one per session) added to `headers`, rotated over request by request. */
  sessions?: Record<string, string>[];
  /** Processes whose CPU is sampled: the whole server side of this target. */
  pids: () => number[];
  /** Processes whose RSS is reported: the server under test itself. */
  rssPids?: () => number[];
}

export interface RoundResult extends LoadResult {
  round: number;
  rssKiB: number | undefined;
}

export type Results = Map<string, RoundResult[]>;

export function totalRssKiB(pids: number[]): number | undefined {
  try {
    return pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
  } catch {
    return undefined;
  }
}

let rotationDir: string | undefined;
const rotationFiles = new Map<Record<string, string>[], string>();

/** The target's sessions as a file for the load generator (too big for its argv); written once. */
function rotationFile(target: Target): string | undefined {
  const sets = target.sessions;
  if (!sets?.length) return undefined;
  let file = rotationFiles.get(sets);
  if (!file) {
    if (!rotationDir) {
      const dir = mkdtempSync(join(os.tmpdir(), 'token-bff-bench-sessions-'));
      rotationDir = dir;
      // Removed when the harness exits, however it exits.
      onEmergencyExit(() => rmSync(dir, { recursive: true, force: true }));
    }
    file = join(rotationDir, `${rotationFiles.size}.json`);
    writeFileSync(file, JSON.stringify(sets));
    rotationFiles.set(sets, file);
  }
  return file;
}

/** One load-generator child against the target, pinned to the load CPU. */
export async function load(target: Target, input: Partial<LoadInput>): Promise<LoadResult> {
  const full: LoadInput = {
    rotateFile: rotationFile(target),
    url: target.url,
    connections: target.connections,
    durationSec: SETTINGS.seconds,
    warmupSec: SETTINGS.warmupSeconds,
    headers: target.headers ?? {},
    serverPids: target.pids(),
    ...input,
  };
  return runJsonChild<LoadResult>(`load ${target.id}`, 'bench/load.ts', full, { cpu: LOAD_CPU });
}

/** A request as the first and as the last session must answer 2xx, or the scenario is broken. */
export async function sanityCheck(target: Target): Promise<void> {
  const sets = target.sessions?.length ? target.sessions : [{}];
  for (const set of new Set([sets[0], sets[sets.length - 1]])) {
    const res = await fetch(target.url, { headers: { ...target.headers, ...set } });
    const body = await res.text();
    if (!res.ok) {
      throw new Error(
        `${target.label}: GET ${target.url} answered ${res.status} before any load: ${body.slice(0, 500)}`,
      );
    }
  }
}

/** Interleaved rounds (A B C A B C …); every round of every target lands in `results`. */
export async function runRounds(group: string, targets: Target[], results: Results): Promise<void> {
  for (let round = 1; round <= SETTINGS.rounds; round++) {
    for (const target of targets) {
      const r = await load(target, {});
      const rss = totalRssKiB((target.rssPids ?? target.pids)());
      const list = results.get(target.id) ?? [];
      list.push({ ...r, round, rssKiB: rss });
      results.set(target.id, list);
      const bad =
        r.non2xx + r.errors + r.timeouts > 0 ? `  !! non-2xx ${r.non2xx}, errors ${r.errors}` : '';
      // Server CPU per answer: steadier than req/s when something else shares the machine.
      const cpuPerAnswer =
        r.serverCpuPct === undefined || r.rps === 0
          ? ''
          : `  server ${Math.round((r.serverCpuPct * 1e4) / r.rps)} µs CPU/answer`;
      log(
        `  [${group} ${round}/${SETTINGS.rounds}] ${target.label.padEnd(34)} ` +
          `${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  ` +
          `p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms${cpuPerAnswer}${bad}`,
      );
    }
  }
}

function addCodes(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
}

/** Why a target's rounds can't be trusted: non-2xx answers, errors, timeouts; empty when valid. */
function invalidReasons(rounds: RoundResult[], statusCodes: Record<string, number>): string[] {
  const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const non2xx = sum((r) => r.non2xx);
  const errors = sum((r) => r.errors);
  const timeouts = sum((r) => r.timeouts);
  const warmupBad = sum((r) => (r.warmup ? r.warmup.non2xx + r.warmup.errors : 0));
  const invalid: string[] = [];
  if (non2xx > 0) {
    const codes = Object.entries(statusCodes)
      .filter(([c]) => !c.startsWith('2'))
      .map(([c, n]) => `${n}×${c}`)
      .join(', ');
    invalid.push(`${non2xx} non-2xx (${codes})`);
  }
  if (errors > 0) {
    const messages = [...new Set(rounds.flatMap((r) => r.errorMessages))].join(' / ');
    invalid.push(`${errors} errors (${messages})`);
  }
  if (timeouts > 0) invalid.push(`${timeouts} timeouts`);
  if (warmupBad > 0) invalid.push(`${warmupBad} non-2xx/errors during warm-up`);
  return invalid;
}

export function summarize(target: Target, rounds: RoundResult[]): TargetSummary {
  const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) addCodes(statusCodes, r.statusCodes);
  const cpu = rounds.map((r) => r.serverCpuPct).filter((v): v is number => v !== undefined);
  const rss = rounds.map((r) => r.rssKiB).filter((v): v is number => v !== undefined);
  return {
    id: target.id,
    label: target.label,
    connections: target.connections,
    rounds: rounds.length,
    rps: spread(rounds.map((r) => r.rps)),
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    serverCpuPct: cpu.length ? spread(cpu).median : undefined,
    loadCpuPct: spread(rounds.map((r) => r.loadCpuPct)).median,
    rssMiB: rss.length ? Math.max(...rss) / 1024 : undefined,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    invalid: invalidReasons(rounds, statusCodes),
  };
}

/** Two load results as one (S5's chunks): counts add up, latency figures keep the worse. */
export function mergeLoad(a: LoadResult, b: LoadResult): LoadResult {
  const responses = a.responses + b.responses;
  const seconds = a.seconds + b.seconds;
  const statusCodes = { ...a.statusCodes };
  addCodes(statusCodes, b.statusCodes);
  return {
    ...a,
    responses,
    seconds,
    rps: responses / seconds,
    p50: Math.max(a.p50, b.p50),
    p90: Math.max(a.p90, b.p90),
    p99: Math.max(a.p99, b.p99),
    max: Math.max(a.max, b.max),
    mean: (a.mean * a.responses + b.mean * b.responses) / responses,
    statusCodes,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    errorMessages: [...new Set([...a.errorMessages, ...b.errorMessages])].slice(0, 5),
  };
}
