import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  /** Stops it and resolves once it has exited and its output is closed. */
  kill(): Promise<void>;
}

/**
 * Spawns redis-server with `args` and resolves when its log shows `ready` (a sentinel never
 * logs "Ready to accept connections"; it logs `+monitor` once it listens and watches).
 */
export function spawnRedis(
  port: number,
  args: string[],
  cwd: string,
  ready = 'Ready to accept connections',
): Promise<RedisProcess> {
  const child = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // SIGTERM, not SIGKILL: redis-server then ends the child it forks for a replica's full sync,
  // which would otherwise outlive it holding our pipes open (and jest with them).
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 3_000);
    await closed;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`redis-server on ${port} did not start in 5 s: ${out.slice(-500)}`));
    }, 5_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve({ port, child, kill });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited (${code}): ${out.slice(-500)}`));
    });
  });
}

/** A plain client for the harness itself (sentinels, node admin), without the app's prefix. */
export async function adminClient(port: number): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return client;
}

/**
 * Polls `check` every `intervalMs` until it returns true, for at most `timeoutMs`: for server
 * states that announce themselves with no event (replication links, cluster state).
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
