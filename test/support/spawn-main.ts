import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Runs src/main.ts in a child process (through tsx), with only the given environment. */
export function spawnMain(env: Record<string, string | undefined>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
}

/** Everything the child writes to a stream, collected as it comes. */
export function collect(stream: NodeJS.ReadableStream): { readonly text: string } {
  const out = { text: '' };
  stream.on('data', (c: Buffer) => (out.text += c.toString()));
  return out;
}
