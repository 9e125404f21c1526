import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config';
import { MULTI_KEY_COMMANDS } from './redis-scripts';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

const reconnectDelay = (times: number) => Math.min(times * 100, 2_000);

/**
 * Builds the ioredis client the way a session store needs it, on any topology: fail fast,
 * never queue. A dead store must answer at once (503 store_unavailable), not pile requests up.
 */
export function createRedisClient(topology: RedisTopology, opts: RedisClientOptions): RedisClient {
  const perConnection = {
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: opts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
  } satisfies RedisOptions;
  // Commands issued in the same tick share one write (one per node on a cluster).
  const shared = {
    keyPrefix: opts.keyPrefix,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  } as const;

  switch (topology.kind) {
    case 'node':
      return new Redis(topology.url, {
        ...shared,
        ...perConnection,
        retryStrategy: reconnectDelay,
      });
    case 'sentinel':
      return new Redis({
        ...shared,
        ...perConnection,
        sentinels: topology.sentinels,
        name: topology.name,
        username: topology.username,
        password: topology.password,
        // TLS to the data nodes; the sentinels themselves are asked in plain text.
        ...(topology.tls && { tls: {} }),
        retryStrategy: reconnectDelay,
        sentinelRetryStrategy: reconnectDelay,
        sentinelCommandTimeout: opts.commandTimeoutMs,
        // Drops the connection the moment a sentinel announces +switch-master, instead of
        // writing to the demoted master until it closes our connection.
        failoverDetector: true,
        // A write that still reaches the demoted master fails (READONLY): reconnect, and the
        // sentinel names the new master. The failing command is not replayed (fail fast).
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const options: ClusterOptions = {
        ...shared,
        // An auto-pipeline batch holding one command whose keys span slots is refused whole,
        // by ioredis, before it is sent: every innocent command of that tick fails with it.
        // Sent alone, such a command gets its own CROSSSLOT answer and nothing else suffers.
        autoPipeliningIgnoredCommands: [...MULTI_KEY_COMMANDS],
        scaleReads: 'master',
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: opts.connectTimeoutMs,
        redisOptions: {
          ...perConnection,
          username: topology.username,
          password: topology.password,
          ...(topology.tls && { tls: {} }),
        },
        // With TLS, certificates name hosts, not the IPs ioredis would resolve them to.
        ...(topology.tls && {
          dnsLookup: (address: string, callback: (err: null, address: string) => void) =>
            callback(null, address),
        }),
      };
      return new Cluster(topology.nodes, options);
    }
  }
}
