import type { RedisCluster } from './redis-cluster';
import type { RedisServer } from './redis-server';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis as Record<string, unknown>;
  await (shared.__TOKEN_BFF_REDIS__ as RedisServer | undefined)?.dispose();
  await (shared.__TOKEN_BFF_REDIS_CLUSTER__ as RedisCluster | undefined)?.stop();
}
