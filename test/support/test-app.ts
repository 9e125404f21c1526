import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { createApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/log/create-logger';
import { createHttpServer } from '../../src/server';
import type { Kv } from '../../src/store/kv';
import { MemoryKv } from '../../src/store/memory-kv';
import { createKv } from '../../src/store/create-kv';
import { RedisKv } from '../../src/store/redis-kv';
import type { Limits, RedisTopology } from '../../src/config';
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
  /** The app's own client: one node or a Cluster (TEST_REDIS=cluster), so node-only commands
   *  such as KEYS are out (see storedKeys). */
  redis: Redis | Cluster;
  keyPrefix: string;
  logs: LogCapture;
  server: Server;
  /** http://127.0.0.1:port */
  url: string;
  /** The internal listener's http://127.0.0.1:port, when INTERNAL_PORT is set. */
  internalUrl: string | undefined;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  now?: () => number;
  redisUrl?: string;
  /** Any topology (a Sentinel, a Cluster); wins over redisUrl. */
  topology?: RedisTopology;
  /** Share another app's keys (two instances of one service). */
  keyPrefix?: string;
  /**
   * Limits that have no variable of their own (src/config/limits.ts), for a test that waits one
   * out: as `now` stands in for the service's clock, a shorter wait stands in for the default.
   */
  limits?: Partial<Limits>;
}

/**
 * The Redis this run's tests share: a Cluster when TEST_REDIS=cluster (the global setup exports
 * its seeds as TEST_REDIS_CLUSTER_NODES), else the node at REDIS_URL.
 */
export function sharedRedisTopology(): RedisTopology {
  if (process.env.TEST_REDIS === 'cluster') {
    const nodes = process.env.TEST_REDIS_CLUSTER_NODES;
    if (!nodes) throw new Error('TEST_REDIS=cluster, but the global setup set no cluster nodes');
    return {
      kind: 'cluster',
      nodes: nodes.split(',').map((seed) => {
        const [host, port] = seed.split(':');
        return { host: host!, port: Number(port) };
      }),
      tls: false,
    };
  }
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the global setup should have set it');
  return { kind: 'node', url };
}

/** The configuration variables that name `topology`, the others explicitly unset. */
export function topologyEnv(topology: RedisTopology): Record<string, string | undefined> {
  const seeds = (list: { host: string; port: number }[]) =>
    list.map((a) => `${a.host}:${a.port}`).join(',');
  return {
    REDIS_URL: topology.kind === 'node' ? topology.url : undefined,
    REDIS_SENTINELS: topology.kind === 'sentinel' ? seeds(topology.sentinels) : undefined,
    REDIS_SENTINEL_NAME: topology.kind === 'sentinel' ? topology.name : undefined,
    REDIS_CLUSTER_NODES: topology.kind === 'cluster' ? seeds(topology.nodes) : undefined,
  };
}

/**
 * The real app on a real Redis (the run's shared one, see sharedRedisTopology), under a key
 * prefix of its own so test files never see each other's keys, listening on a loopback port.
 * The store is built the way main.ts builds it (createKv), from the variables an operator sets.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const topology =
    options.topology ??
    (options.redisUrl ? { kind: 'node' as const, url: options.redisUrl } : sharedRedisTopology());
  const keyPrefix = options.keyPrefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const config = withLimits(
    loadConfig({
      ...BASE_ENV,
      ...topologyEnv(topology),
      REDIS_KEY_PREFIX: keyPrefix,
      ...options.env,
    }).config,
    options.limits,
  );
  const kv = createKv(config) as RedisKv;
  const redis = kv.client;
  await once(redis, 'ready');
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

/** `config` with `limits` in place of its own (loadConfig's config is frozen: a copy). */
function withLimits(config: Config, limits: Partial<Limits> | undefined): Config {
  return limits ? { ...config, limits: { ...config.limits, ...limits } } : config;
}

/**
 * The app's keys matching `pattern` (relative to its prefix), as full keys, sorted: by SCAN on
 * every master, since KEYS on a Cluster client asks one node only.
 */
export async function storedKeys(
  t: Pick<TestApp, 'redis' | 'keyPrefix'>,
  pattern = '*',
): Promise<string[]> {
  return (await scanKeys(t.redis, `${escapeGlob(t.keyPrefix)}${pattern}`)).sort();
}

/**
 * What requests left behind: every key but the rate-limit counters (which count each attempt,
 * refused ones included, by design).
 */
export async function storedState(t: Pick<TestApp, 'redis' | 'keyPrefix'>): Promise<string[]> {
  return (await storedKeys(t)).filter((k) => !k.startsWith(`${t.keyPrefix}rl:`));
}

export type EmbeddedTestApp = Omit<TestApp, 'kv' | 'redis' | 'keyPrefix'> & { kv: MemoryKv };

/** The app as `npm start` runs it without REDIS_URL: on the embedded in-memory store. */
export async function startEmbeddedApp(
  options: Omit<TestAppOptions, 'redisUrl' | 'keyPrefix'> = {},
): Promise<EmbeddedTestApp> {
  const config = withLimits(
    loadConfig({ ...BASE_ENV, ...options.env, REDIS_URL: undefined }).config,
    options.limits,
  );
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

/** The internal listener (INTERNAL_PORT set), on a loopback port of its own. */
async function listenInternal(app: App['app'], config: Config) {
  const server = createHttpServer(app, config.limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
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
  const internal = built.internal && (await listenInternal(built.internal, config));
  return {
    ...built,
    config,
    logs,
    server,
    url: `http://127.0.0.1:${port}`,
    internalUrl: internal?.url,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (internal) await internal.close();
      await built.close();
    },
  };
}
