import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** CPU for servers and CPU for the load generator, when pinning is possible. */
export const SERVER_CPU = 1;
export const LOAD_CPU = 0;

let pinning: boolean | undefined;

/** Pinning is on when `taskset` works, the machine has 2+ CPUs and BENCH_PIN is not 0. */
export function canPin(): boolean {
  if (pinning === undefined) {
    pinning =
      process.env.BENCH_PIN !== '0' &&
      process.platform === 'linux' &&
      spawnSync('taskset', ['-c', `${SERVER_CPU}`, 'true']).status === 0 &&
      spawnSync('taskset', ['-c', `${LOAD_CPU}`, 'true']).status === 0;
  }
  return pinning;
}

/** Pins a running process (all its threads) to `cpu`; a no-op without pinning. */
export function pinPid(pid: number, cpu: number): void {
  if (!canPin()) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
  if (r.status !== 0) throw new Error(`taskset -p ${pid} failed: ${r.stderr.toString()}`);
}

/** The last `max` characters a stream wrote, for error messages. */
export class Tail {
  private text = '';
  constructor(private readonly max = 4000) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }
  toString(): string {
    return this.text;
  }
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  stdout: Tail;
  stderr: Tail;
  /** Resolves with the exit code (or signal) once the process has gone. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** What it printed last, for error messages. */
  describe(): string;
  /** The signal used if the harness dies: SIGKILL, or SIGTERM for a master that must reap workers. */
  emergencySignal: NodeJS.Signals;
  /** Processes it started (nginx's workers), killed with it even if it died first. */
  workers: number[];
}

const live = new Set<Child>();
const syncCleanups = new Set<() => void>();

/** Something to do (synchronously) if the harness dies before it cleans up properly. */
export function onEmergencyExit(fn: () => void): () => void {
  syncCleanups.add(fn);
  return () => syncCleanups.delete(fn);
}

/** Direct children of a process (nginx's workers); empty when there are none or no pgrep. */
export function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)]);
  if (r.status !== 0) return [];
  return r.stdout.toString().trim().split('\n').filter(Boolean).map(Number);
}

function killPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function killEverythingNow(): void {
  for (const child of live) {
    // A master killed first would leave its workers behind, holding our pipes open.
    killPids([...new Set([...child.workers, ...childPids(child.pid)])], 'SIGKILL');
    killPids([child.pid], child.emergencySignal);
  }
  for (const fn of syncCleanups) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
}

let installed = false;
/** Every child dies with the harness: normal exit, error, SIGINT, SIGTERM. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping every child process\n`);
      killEverythingNow();
      process.exit(130);
    });
  }
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Pin to this CPU with taskset (when pinning is possible). */
  cpu?: number;
  cwd?: string;
  /** Default SIGKILL; nginx wants SIGTERM so its master stops the worker too. */
  emergencySignal?: NodeJS.Signals;
}

/** Starts a process, pinned when asked and possible; its output is kept (tail) and drained. */
export function startChild(
  name: string,
  command: string,
  args: string[],
  opts: SpawnOptions = {},
): Child {
  const [cmd, argv] =
    opts.cpu !== undefined && canPin()
      ? ['taskset', ['-c', String(opts.cpu), command, ...args]]
      : [command, args];
  const proc = spawn(cmd, argv, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new Tail();
  const stderr = new Tail();
  proc.stdout?.on('data', (c: Buffer) => stdout.push(c));
  proc.stderr?.on('data', (c: Buffer) => stderr.push(c));
  let gone = false;
  const exited = new Promise<number | string>((resolveExit) => {
    proc.once('exit', (code, signal) => {
      gone = true;
      live.delete(child);
      resolveExit(code ?? signal ?? 'unknown');
    });
    proc.once('error', (err) => {
      gone = true;
      live.delete(child);
      stderr.push(`spawn error: ${err.message}`);
      resolveExit(`spawn error: ${err.message}`);
    });
  });
  const child: Child = {
    name,
    proc,
    // taskset execs the command, so this is the pid of the command itself.
    pid: proc.pid ?? -1,
    stdout,
    stderr,
    exited,
    hasExited: () => gone,
    emergencySignal: opts.emergencySignal ?? 'SIGKILL',
    workers: [],
    describe: () =>
      `--- ${name} stderr (tail) ---\n${stderr.toString() || '(empty)'}\n` +
      `--- ${name} stdout (tail) ---\n${stdout.toString() || '(empty)'}`,
  };
  live.add(child);
  return child;
}

/** A node process running a TypeScript file through tsx. */
export function startNodeTs(
  name: string,
  file: string,
  args: string[],
  opts: SpawnOptions = {},
): Child {
  return startChild(
    name,
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, file), ...args],
    opts,
  );
}

/** Stops a child politely (SIGTERM), then hard after `graceMs`. */
/**
 * Stops a child politely (SIGTERM), then hard after `graceMs`; then any of its own children that
 * outlived it, and its pipes, so nothing it leaves behind can keep the harness running.
 */
export async function stopChild(child: Child, graceMs = 3000): Promise<void> {
  const descendants = [
    ...new Set([...child.workers, ...(child.hasExited() ? [] : childPids(child.pid))]),
  ];
  if (!child.hasExited()) {
    child.proc.kill('SIGTERM');
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }
  killPids(descendants, 'SIGKILL');
  child.proc.stdout?.destroy();
  child.proc.stderr?.destroy();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `probe` says yes; fails early (with the child's output) when the child exits,
 * and after `timeoutMs`.
 */
export async function waitUntil(
  child: Child,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.hasExited()) {
      throw new Error(
        `${child.name} exited (${await child.exited}) before ${what}\n${child.describe()}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${child.name}: no ${what} within ${timeoutMs} ms\n${child.describe()}`);
    }
    await sleep(50);
  }
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/** True when `url` answers with `status` (any 2xx when omitted). */
export async function httpAnswers(url: string, status?: number): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return status === undefined ? res.ok : res.status === status;
}

/** Resident set size of a process in KiB (Linux /proc, else `ps`). */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m?.[1]) return Number(m[1]);
  } catch {
    // not Linux: ask ps
  }
  const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)]);
  const kib = Number(r.stdout.toString().trim());
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`cannot read the RSS of pid ${pid}`);
  return kib;
}

/** Runs a TypeScript child to completion and parses the JSON it prints last on stdout. */
export async function runJsonChild<T>(
  name: string,
  file: string,
  input: unknown,
  opts: SpawnOptions = {},
): Promise<T> {
  const child = startChild(
    name,
    process.execPath,
    ['--import', 'tsx', resolve(ROOT, file), JSON.stringify(input)],
    opts,
  );
  let out = '';
  child.proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  // 'close' (not 'exit'): the whole of stdout has been read.
  const closed = new Promise<void>((resolveClose) =>
    child.proc.once('close', () => resolveClose()),
  );
  const code = await child.exited;
  await closed;
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${name} failed (exit ${code})\n${child.describe()}`);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${name} printed no JSON result\n${child.describe()}`);
  }
}
