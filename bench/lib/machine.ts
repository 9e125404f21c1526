/** What the run was measured on: recorded with every result, since absolute numbers depend on it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { LOAD_CPU, ROOT, SERVER_CPU } from './procs';
import { round2 } from './settings';

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trimEnd();
  } catch {
    return undefined;
  }
}

function autocannonVersion(): string {
  const file = resolve(ROOT, 'node_modules/autocannon/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function machineInfo(
  pinned: boolean,
  redisVersion: string,
  nginx: string | undefined,
  loadAvgAtStart: number[],
) {
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    // Other work on the machine skews absolute numbers (ratios less so): 1-minute load averages.
    loadAvg: { start: round2(loadAvgAtStart[0]), end: round2(os.loadavg()[0]) },
    pinned,
    pinning: pinned
      ? `taskset: servers (service, baselines, nginx, Redis) on CPU ${SERVER_CPU}, load generators on CPU ${LOAD_CPU}`
      : 'not pinned (no taskset, fewer than 2 CPUs, or BENCH_PIN=0)',
    redis: redisVersion,
    nginx: nginx ?? 'not found: (e) skipped',
    autocannon: autocannonVersion(),
    git: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      // Others may be editing the service while it is measured: say what was not committed.
      uncommitted: git(['status', '--porcelain', '--', 'src', 'package.json'])
        ?.split('\n')
        .filter(Boolean),
    },
  };
}

export type MachineInfo = ReturnType<typeof machineInfo>;

export function machineLine(m: MachineInfo): string {
  const dirty = m.git.uncommitted?.length
    ? ` + uncommitted changes in ${m.git.uncommitted.length} file(s)`
    : '';
  return (
    `Node ${m.node}, ${m.cpuModel}, nproc ${m.nproc}, ${m.platform}; ` +
    `load average ${m.loadAvg.start} at start, ${m.loadAvg.end} at end; ` +
    `${m.pinning}; Redis ${m.redis}; nginx ${m.nginx}; autocannon ${m.autocannon}; ` +
    `git ${m.git.commit ?? '?'}${dirty}`
  );
}
