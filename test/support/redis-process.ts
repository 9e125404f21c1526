import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';

export interface RedisProcess {
  port: number;
  child: ChildProcess;
  /** SIGKILLs it (these servers keep nothing) and resolves once it has exited. */
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
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
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
