/**
 * Which Node versions the run covers. `npm run bench` measures on Node 24 (the Docker image's,
 * the headline table) and on the machine's own Node as a second table; BENCH_NODES narrows it:
 * `current` (the machine's only), `24` (Node 24 only), `24,current` (the default).
 *
 * Node 24 comes from the npm registry's `node@24` package, installed once under
 * node_modules/.cache/bench-node24 (reruns reuse it). Each Node runs the whole set in a child
 * harness of its own (`<node> --import tsx bench/run.ts`, BENCH_NODES=current); this process
 * then joins their Markdown reports into one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ROOT } from './procs';
import { log } from './settings';

export interface NodeBinary {
  label: string;
  execPath: string;
}

const CACHE = resolve(ROOT, 'node_modules/.cache/bench-node24');

const versionOf = (bin: string) => spawnSync(bin, ['--version']).stdout?.toString().trim() ?? '';

/** Node 24: this one if it is 24, else the cached registry package, installed on first use. */
function node24(): NodeBinary | undefined {
  if (process.version.startsWith('v24.')) return { label: 'Node 24', execPath: process.execPath };
  const bin = join(CACHE, 'node_modules/.bin/node');
  if (!versionOf(bin).startsWith('v24.')) {
    log(`bench: installing node@24 from the npm registry into ${relative(ROOT, CACHE)}`);
    mkdirSync(CACHE, { recursive: true });
    const npm = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', CACHE, 'node@24'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (npm.status !== 0 || !versionOf(bin).startsWith('v24.')) {
      log('bench: node@24 could not be installed: Node 24 is skipped');
      return undefined;
    }
  }
  return { label: 'Node 24', execPath: bin };
}

/** The Node versions to measure, headline first; undefined means "this process, no children". */
export function nodesToRun(): NodeBinary[] | undefined {
  const wanted = (process.env.BENCH_NODES ?? '24,current').split(',').map((s) => s.trim());
  if (wanted.length === 1 && wanted[0] === 'current') return undefined;
  const current = {
    label: `Node ${process.version.slice(1).split('.')[0]}`,
    execPath: process.execPath,
  };
  const list: NodeBinary[] = [];
  const n24 = wanted.includes('24') ? node24() : undefined;
  if (n24) list.push(n24);
  if (wanted.includes('current') && !(n24 && n24.execPath === process.execPath)) list.push(current);
  if (list.length === 0) throw new Error(`BENCH_NODES=${process.env.BENCH_NODES}: nothing to run`);
  return list;
}

/** The whole set on one Node, in a child harness; resolves with its exit code and report. */
function runOn(node: NodeBinary, dir: string): Promise<{ code: number; md: string | undefined }> {
  const mdOut = join(dir, `${node.label.replace(/\W+/g, '-')}.path`);
  const child = spawn(node.execPath, ['--import', 'tsx', resolve(ROOT, 'bench/run.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, BENCH_NODES: 'current', BENCH_MD_OUT: mdOut },
  });
  return new Promise((resolveRun) => {
    child.once('exit', (code) => {
      const md = existsSync(mdOut) ? readFileSync(readFileSync(mdOut, 'utf8'), 'utf8') : undefined;
      resolveRun({ code: code ?? 1, md });
    });
  });
}

/** Runs every Node in turn, then writes bench/results/<date-time>-nodes.md joining the reports. */
export async function runOnNodes(nodes: NodeBinary[]): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'token-bff-bench-nodes-'));
  const parts: string[] = [];
  let worst = 0;
  try {
    for (const node of nodes) {
      log(`\nbench: === ${node.label} (${versionOf(node.execPath)}) ===`);
      const { code, md } = await runOn(node, dir);
      worst = Math.max(worst, code);
      const body = md?.replace(/^# .*\n/, '').replace(/^## /gm, '### ');
      parts.push(
        `## ${node.label} (${versionOf(node.execPath)})\n${body ?? `\nfailed (exit ${code})\n`}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const path = resolve(ROOT, `bench/results/${stamp}-nodes.md`);
  const title = `# token-bff benchmark, ${nodes.map((n) => n.label).join(' and ')}, ${new Date().toISOString()}\n`;
  writeFileSync(path, [title, ...parts].join('\n'));
  log(`bench: wrote ${relative(ROOT, path)} (${nodes.map((n) => n.label).join(', ')})`);
  return worst;
}
