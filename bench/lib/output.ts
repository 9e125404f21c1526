/** The run's results: a table on stdout, and bench/results/<date-time>.json and .md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { MemoryOutcome } from '../scenarios/s5-memory';
import type { StormOutcome } from '../scenarios/s4-storm';
import { machineLine, type MachineInfo } from './machine';
import { ROOT } from './procs';
import {
  ratiosMd,
  ratiosText,
  targetsMd,
  targetsText,
  type Ratio,
  type TargetSummary,
} from './report';
import { log, SETTINGS } from './settings';
import type { Results, Target } from './targets';

/** "S1 10,000, S2 10,000, …": the sessions each target rotated over (latency twins left out). */
export function sessionsLine(targets: Target[]): string {
  const counts = targets
    .filter((t) => t.sessions?.length && !t.id.includes('@'))
    .map((t) => `${t.id} ${t.sessions!.length.toLocaleString('en-US')}`);
  return (
    `sessions rotated over (distinct users): ${counts.join(', ') || 'none'}; ` +
    `S3's sessions connected to ${SETTINGS.likers.toLocaleString('en-US')} Liker users at most (round-robin); ` +
    `(c) and S4 use one session; S5 reuses S1's, S5 (f) (f)'s`
  );
}

export interface Report {
  /** How many sessions each rotating target used. */
  sessions: string;
  wallSeconds: number;
  machine: MachineInfo;
  summaries: TargetSummary[];
  results: Results;
  /** Undefined when BENCH_ONLY left them out. */
  storm: StormOutcome | undefined;
  memory: MemoryOutcome | undefined;
  mainServiceRssMiB: number;
  ratios: Ratio[];
}

export function warningLines(r: Report): string[] {
  return [
    ...r.summaries
      .filter((s) => s.invalid.length > 0)
      .map((s) => `INVALID ${s.label}: ${s.invalid.join('; ')}`),
    ...(r.storm?.warnings ?? []),
    ...(r.memory?.warnings ?? []),
  ];
}

const settingsLine = () =>
  `${SETTINGS.rounds} rounds interleaved, ${SETTINGS.seconds} s each after ${SETTINGS.warmupSeconds} s warm-up; ` +
  `median (min–max) of the rounds; p50/p99 are medians of each round's percentiles`;

/** S4's and S5's lines, or what left them out. */
function outcomeLines(r: Report): string[] {
  const skipped = (what: string) => `${what}: not run (BENCH_ONLY=${SETTINGS.only ?? ''})`;
  return [r.storm?.line ?? skipped('S4 refresh storm'), r.memory?.line ?? skipped('S5 memory')];
}

export function reportText(r: Report): string {
  const warnings = warningLines(r);
  return [
    '',
    `token-bff benchmark — ${new Date().toISOString()}`,
    machineLine(r.machine),
    settingsLine(),
    r.sessions,
    'Service: NODE_ENV=production, LOG_LEVEL=warn; server CPU = % of one core used by the server process(es) during the window',
    '',
    targetsText(r.summaries),
    '',
    ...outcomeLines(r),
    `main service RSS after S1–S4: ${r.mainServiceRssMiB.toFixed(1)} MiB`,
    '',
    ratiosText(r.ratios),
    ...(warnings.length ? ['', ...warnings] : []),
    '',
  ].join('\n');
}

export function reportMd(r: Report): string {
  const warnings = warningLines(r);
  return [
    `# token-bff benchmark, ${new Date().toISOString()}`,
    '',
    `- Machine: ${machineLine(r.machine)}`,
    `- Method: ${settingsLine()}`,
    `- Sessions: ${r.sessions}`,
    '- Service: NODE_ENV=production, LOG_LEVEL=warn; "server CPU" is the % of one core used by the server process(es) during the window, "load CPU" the load generator\'s',
    `- Command: \`npm run bench\` (BENCH_SECONDS=${SETTINGS.seconds}, BENCH_WARMUP_SECONDS=${SETTINGS.warmupSeconds}, BENCH_ROUNDS=${SETTINGS.rounds}); wall time ${r.wallSeconds.toFixed(0)} s`,
    '',
    '## Ratios',
    '',
    ratiosMd(r.ratios),
    '',
    '## Targets',
    '',
    targetsMd(r.summaries),
    '',
    ...outcomeLines(r).map((line) => `- ${line}`),
    `- Main service RSS after S1–S4: ${r.mainServiceRssMiB.toFixed(1)} MiB`,
    ...(warnings.length ? ['', '## Invalid', '', ...warnings.map((w) => `- ${w}`)] : []),
    '',
  ].join('\n');
}

export function reportJson(r: Report): unknown {
  const { storm, memory } = r;
  return {
    date: new Date().toISOString(),
    wallSeconds: r.wallSeconds,
    settings: SETTINGS,
    sessions: r.sessions,
    machine: r.machine,
    targets: r.summaries.map((s) => ({ ...s, rounds: r.results.get(s.id) })),
    storm: storm && { ...storm.storm, refreshes: storm.refreshes },
    memory: memory && {
      requestsPerRun: SETTINGS.memoryRequests,
      rssStartKiB: memory.rssStartKiB,
      runs: memory.runs,
      growthPct: memory.growthPct,
      floor: memory.floor,
      mainServiceRssKiB: Math.round(r.mainServiceRssMiB * 1024),
    },
    ratios: r.ratios,
    invalid: warningLines(r),
  };
}

/** Prints the table and writes the JSON and Markdown files; returns the Markdown's path. */
export function writeReport(r: Report): string {
  process.stdout.write(reportText(r));
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const dir = resolve(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, `${stamp}.json`);
  const mdPath = join(dir, `${stamp}.md`);
  writeFileSync(jsonPath, `${JSON.stringify(reportJson(r), null, 2)}\n`);
  writeFileSync(mdPath, reportMd(r));
  // A parent run joining several Node versions' reports asks where this one went.
  if (process.env.BENCH_MD_OUT) writeFileSync(process.env.BENCH_MD_OUT, mdPath);
  log(
    `bench: wrote ${relative(ROOT, jsonPath)} and ${relative(ROOT, mdPath)}; wall time ${r.wallSeconds.toFixed(0)} s`,
  );
  return mdPath;
}
