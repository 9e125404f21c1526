import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { call } from '../support/load';
import { freePort } from '../support/redis-server';
import { BASE_ENV } from '../support/test-app';

const ROOT = resolve(__dirname, '../..');

export interface BuiltService {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** Everything it wrote to stderr (start-up problems, crashes). */
  stderr(): string;
  /** SIGKILL if still running; resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * `node dist/main.js` (npm run build) on a free loopback port, with the test secrets and `env`
 * on top; resolves once /readyz answers 200 (the store answers), within 15 s.
 */
export async function startBuiltService(env: Record<string, string>): Promise<BuiltService> {
  const main = resolve(ROOT, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...BASE_ENV,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout!.resume(); // drained: a full pipe would stall the service
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  const service: BuiltService = {
    url,
    child,
    exited,
    stderr: () => err,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  // The process announces nothing at LOG_LEVEL=warn: ask /readyz (bounded), or see it exit.
  const deadline = Date.now() + 15_000;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`dist/main.js exited during start-up: ${err.slice(-800)}`);
    if ((await call(`${url}/readyz`, { timeoutMs: 1_000 })).status === 200) return service;
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`dist/main.js not ready in 15 s: ${err.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
