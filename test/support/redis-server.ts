import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const INSTALL_HINT =
  'The tests need Redis: set REDIS_URL=redis://127.0.0.1:6379, or install redis-server ' +
  '(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) and run again.';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** Stops it, saving its data first so `restart` finds it again. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A throwaway redis-server on a free loopback port, its data in a temp dir. */
export async function startRedisServer(): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      if (!child) return;
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'save']);
      await exited;
      child = undefined;
    },
    async restart() {
      if (!child) child = await launch(port, dir);
    },
    async dispose() {
      if (child) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)),
    );
  });
}
