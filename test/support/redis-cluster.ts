import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisAddress } from '../../src/config';
import { adminClient, pollUntil, spawnRedis, type RedisProcess } from './redis-process';
import { INSTALL_HINT, freePort, hasRedisServer } from './redis-server';

export interface RedisCluster {
  nodes: RedisAddress[];
  stop(): Promise<void>;
}

/** Three masters (no replicas) on free loopback ports, every slot assigned, state ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-cluster-'));
  const processes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // The bus port is chosen too: port + 10000 (the default) may be taken or above 65535.
      const busPort = await freePort();
      processes.push(
        await spawnRedis(
          port,
          [
            '--port',
            String(port),
            '--cluster-port',
            String(busPort),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--save',
            '',
            '--appendonly',
            'no',
            '--bind',
            '127.0.0.1',
            '--dir',
            dir,
          ],
          dir,
        ),
      );
    }
    const nodes = processes.map((p) => ({ host: '127.0.0.1', port: p.port }));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `${n.host}:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(
      nodes.map(async ({ port }) => {
        const client = await adminClient(port);
        try {
          await pollUntil(
            `cluster_state:ok on ${port}`,
            async () => (await client.cluster('INFO')).includes('cluster_state:ok'),
            10_000,
          );
        } finally {
          client.disconnect();
        }
      }),
    );
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${out.slice(-800)}`));
    });
  });
}
