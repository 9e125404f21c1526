import { startRedisServer } from './redis-server';

/** Uses REDIS_URL when set, else starts a throwaway redis-server for the whole run. */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  process.env.REDIS_URL = server.url;
  (globalThis as Record<string, unknown>).__TOKEN_BFF_REDIS__ = server;
}
