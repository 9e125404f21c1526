import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface CliRun {
  /** The exit code; -1 when it had to be killed. */
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the operator CLI (src/cli.ts through tsx) as an operator would, with only the given
 * environment. Bounded: a CLI that hangs is killed, and the test sees its exit code as -1.
 */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(ROOT, 'src/cli.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, out, err });
    });
  });
}
