import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

const running = new Set<ChildProcessWithoutNullStreams>();

/**
 * Runs src/main.ts in a child process (through tsx), with only the given environment. Whatever
 * a test leaves running is killed after it, even when the test timed out half-way (jest runs
 * afterEach hooks then; a `finally` that awaits a promise which never settles would not run).
 */
export function spawnMain(env: Record<string, string | undefined>): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

const runningForFile = new Set<ChildProcessWithoutNullStreams>();

/**
 * spawnMain for a service the whole test file shares (started in beforeAll): killed after the
 * file's last test instead of after each one.
 */
export function spawnMainForFile(
  env: Record<string, string | undefined>,
): ChildProcessWithoutNullStreams {
  const child = spawnMain(env);
  running.delete(child);
  runningForFile.add(child);
  child.once('exit', () => runningForFile.delete(child));
  return child;
}

afterAll(() => {
  for (const child of runningForFile) child.kill('SIGKILL');
  runningForFile.clear();
});

/** Everything the child writes to a stream, collected as it comes. */
export function collect(stream: NodeJS.ReadableStream): { readonly text: string } {
  const out = { text: '' };
  stream.on('data', (c: Buffer) => (out.text += c.toString()));
  return out;
}

/** Resolves with the first stdout line of `child` that contains `text`. */
export function lineContaining(
  child: ChildProcessWithoutNullStreams,
  text: string,
): Promise<string> {
  return new Promise((done, fail) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.includes(text));
      if (line) {
        child.stdout.off('data', onData);
        done(line);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) =>
      fail(new Error(`exited with ${code} before "${text}": ${buffered}`)),
    );
  });
}
