import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisAddress } from '../../src/config';
import { adminClient, pollUntil, spawnRedis, type RedisProcess } from './redis-process';
import { INSTALL_HINT, freePort, hasRedisServer } from './redis-server';

export const SENTINEL_NAME = 'token-bff-test';

export interface RedisSentinel {
  name: string;
  sentinels: RedisAddress[];
  /** The master the sentinel names now. */
  master(): Promise<RedisAddress>;
  /** Promotes the replica; resolves with the new master once the sentinel announces it. */
  failover(): Promise<RedisAddress>;
  stop(): Promise<void>;
}

/** A master, one replica of it, and one sentinel watching them, on free loopback ports. */
export async function startRedisSentinel(): Promise<RedisSentinel> {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-sentinel-'));
  const processes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  const data = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    // Diskless full syncs wait 5 s by default for more replicas to join: there is only one.
    '--repl-diskless-sync-delay',
    '0',
    // SIGTERM would otherwise wait up to 10 s for a lagging replica before exiting.
    '--shutdown-timeout',
    '0',
  ];
  try {
    const masterPort = await freePort();
    processes.push(await spawnRedis(masterPort, data(masterPort), dir));
    const replicaPort = await freePort();
    processes.push(
      await spawnRedis(
        replicaPort,
        [...data(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)],
        dir,
      ),
    );
    const replica = await adminClient(replicaPort);
    try {
      await pollUntil(
        'the replica to sync',
        async () => (await replica.info('replication')).includes('master_link_status:up'),
        10_000,
      );
    } finally {
      replica.disconnect();
    }

    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    // The sentinel rewrites this file as it learns; `known-replica` spares it waiting for its
    // next INFO round (10 s) to discover the replica.
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        `sentinel known-replica ${SENTINEL_NAME} 127.0.0.1 ${replicaPort}`,
        '',
      ].join('\n'),
    );
    processes.push(await spawnRedis(sentinelPort, [conf, '--sentinel'], dir, '+monitor master'));
    const sentinel = await adminClient(sentinelPort);
    try {
      await pollUntil(
        'the sentinel to see a healthy replica',
        async () => {
          const replicas = (await sentinel.call(
            'SENTINEL',
            'REPLICAS',
            SENTINEL_NAME,
          )) as string[][];
          return replicas.some((fields) => {
            const r = toRecord(fields);
            return (
              r.port === String(replicaPort) &&
              r.flags === 'slave' &&
              r['master-link-status'] === 'ok'
            );
          });
        },
        10_000,
      );
    } finally {
      sentinel.disconnect();
    }

    const master = async () => {
      const client = await adminClient(sentinelPort);
      try {
        return toAddress(await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME));
      } finally {
        client.disconnect();
      }
    };

    return {
      name: SENTINEL_NAME,
      sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
      master,
      async failover() {
        const before = await master();
        const events = await adminClient(sentinelPort);
        const admin = await adminClient(sentinelPort);
        try {
          await events.subscribe('+switch-master');
          const switched = once(events, 'message');
          await admin.call('SENTINEL', 'FAILOVER', SENTINEL_NAME);
          const timer = setTimeout(
            () => events.emit('error', new Error('no +switch-master in 15 s')),
            15_000,
          );
          try {
            // "<name> <old-ip> <old-port> <new-ip> <new-port>"
            const [, payload] = (await switched) as [string, string];
            const [, , , host, port] = payload.split(' ');
            const after = { host: host!, port: Number(port) };
            if (after.port === before.port) throw new Error(`failover kept ${before.port}`);
            return after;
          } finally {
            clearTimeout(timer);
          }
        } finally {
          events.disconnect();
          admin.disconnect();
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function toRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return record;
}

function toAddress(reply: unknown): RedisAddress {
  const [host, port] = reply as [string, string];
  return { host, port: Number(port) };
}
