import { startRedisCluster } from './redis-cluster';
import { startRedisServer } from './redis-server';

/**
 * TEST_REDIS=cluster: a throwaway three-master Redis Cluster for the whole run, its seeds in
 * TEST_REDIS_CLUSTER_NODES (startTestApp then configures REDIS_CLUSTER_NODES). Otherwise
 * REDIS_URL when set, else a throwaway redis-server.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_REDIS === 'cluster') {
    const cluster = await startRedisCluster();
    process.env.TEST_REDIS_CLUSTER_NODES = cluster.nodes
      .map((n) => `${n.host}:${n.port}`)
      .join(',');
    (globalThis as Record<string, unknown>).__TOKEN_BFF_REDIS_CLUSTER__ = cluster;
    return;
  }
  if (process.env.TEST_REDIS && process.env.TEST_REDIS !== 'node')
    throw new Error(`TEST_REDIS=${process.env.TEST_REDIS}: expected cluster or node`);
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  process.env.REDIS_URL = server.url;
  (globalThis as Record<string, unknown>).__TOKEN_BFF_REDIS__ = server;
}
