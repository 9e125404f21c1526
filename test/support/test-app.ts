import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/log/create-logger';
import { createHttpServer } from '../../src/server';
import type { Kv } from '../../src/store/kv';
import { MemoryKv } from '../../src/store/memory-kv';
import { RedisKv, createRedisClient } from '../../src/store/redis-kv';
import { escapeGlob, scanKeys } from '../../src/store/scan-keys';
import { LogCapture } from './log-capture';

export const APP_JWT_SECRET = 'test-app-jwt-secret-0123456789abcdef';
export const LIVELIKE_CLIENT_ID = 'livelike-client-id';
export const LIVELIKE_CLIENT_SECRET = 'livelike-client-secret-0123456789abcdef';

export const BASE_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'debug',
  SESSION_SECRET: 'test-session-secret-0123456789abcdefghij',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  APP_JWT_SECRET,
  LIVELIKE_CLIENT_ID,
  LIVELIKE_CLIENT_SECRET,
  CORS_ORIGINS: 'https://app.example',
};

export interface TestApp extends App {
  config: Config;
  kv: RedisKv;
  redis: Redis;
  keyPrefix: string;
  logs: LogCapture;
  server: Server;
  /** http://127.0.0.1:port */
  url: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  now?: () => number;
  redisUrl?: string;
  /** Share another app's keys (two instances of one service). */
  keyPrefix?: string;
}

/**
 * The real app on a real Redis (REDIS_URL, set by the global setup), under a key prefix of its
 * own so test files never see each other's keys, listening on a loopback port.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: the global setup should have set it');
  const { config } = loadConfig({ ...BASE_ENV, REDIS_URL: redisUrl, ...options.env });
  const keyPrefix = options.keyPrefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const redis = createRedisClient(
    { kind: 'node', url: redisUrl },
    {
      keyPrefix,
      commandTimeoutMs: config.limits.redisCommandTimeoutMs,
      connectTimeoutMs: config.limits.redisConnectTimeoutMs,
    },
  );
  await once(redis, 'ready');
  const kv = new RedisKv(redis);
  const served = await serve(config, kv, options.now);
  return {
    ...served,
    kv,
    redis,
    keyPrefix,
    async close() {
      await served.close();
      // SCAN matches full keys; `del` adds the prefix again, so it gets them without it.
      const keys = await scanKeys(redis, `${escapeGlob(keyPrefix)}*`).catch(() => []);
      await kv.del(...keys.map((k) => k.slice(keyPrefix.length))).catch(() => undefined);
      redis.disconnect();
    },
  };
}

export type EmbeddedTestApp = Omit<TestApp, 'kv' | 'redis' | 'keyPrefix'> & { kv: MemoryKv };

/** The app as `npm start` runs it without REDIS_URL: on the embedded in-memory store. */
export async function startEmbeddedApp(
  options: Omit<TestAppOptions, 'redisUrl' | 'keyPrefix'> = {},
): Promise<EmbeddedTestApp> {
  const { config } = loadConfig({ ...BASE_ENV, ...options.env, REDIS_URL: undefined });
  const kv = new MemoryKv();
  const served = await serve(config, kv, options.now);
  return {
    ...served,
    kv,
    async close() {
      await served.close();
      await kv.close();
    },
  };
}

/** Runs `use` against a fresh app, and closes it whatever happens. */
export async function withTestApp<T>(
  options: TestAppOptions,
  use: (t: TestApp) => Promise<T>,
): Promise<T> {
  const t = await startTestApp(options);
  try {
    return await use(t);
  } finally {
    await t.close();
  }
}

async function serve(config: Config, kv: Kv, now: (() => number) | undefined) {
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs.stream);
  const built = createApp({ config, kv, logger, now });
  const server = createHttpServer(built.app, config.limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    ...built,
    config,
    logs,
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await built.close();
    },
  };
}
