import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { DEFAULT_LIMITS, loadConfig } from '../../src/config';
import { createLogger } from '../../src/log/create-logger';
import { createHttpServer } from '../../src/server';
import { createKv } from '../../src/store/create-kv';
import type { RedisKv } from '../../src/store/redis-kv';
import { escapeGlob, scanKeys } from '../../src/store/scan-keys';
import { LogCapture } from './log-capture';
import { BASE_ENV, sharedRedisTopology, topologyEnv } from './test-app';

export interface BrowserService {
  /** http://127.0.0.1:port, which is also its PUBLIC_BASE_URL. */
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface BrowserServiceOptions {
  env?: Record<string, string | undefined>;
  now?: () => number;
}

/**
 * The real app on the run's shared Redis (a key prefix of its own) for a page served from its
 * own origin. Unlike startTestApp it listens before it is configured: a page's cookie-carried
 * POST sends its Origin, which the CSRF guard accepts only when it is PUBLIC_BASE_URL's (or a
 * CORS origin), and that origin holds the port.
 */
export async function startBrowserService(
  options: BrowserServiceOptions = {},
): Promise<BrowserService> {
  let handler: Express | undefined;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'retry-after': '1' }).end();
  }, DEFAULT_LIMITS);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
  const stopServer = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };

  let kv: RedisKv | undefined;
  try {
    const { config } = loadConfig({
      ...BASE_ENV,
      ...topologyEnv(sharedRedisTopology()),
      REDIS_KEY_PREFIX: keyPrefix,
      PUBLIC_BASE_URL: url,
      ...options.env,
    });
    kv = createKv(config) as RedisKv;
    await once(kv.client, 'ready');
    const logs = new LogCapture();
    const built = createApp({
      config,
      kv,
      logger: createLogger(config.logLevel, logs.stream),
      now: options.now,
    });
    handler = built.app;
    const store = kv;
    return {
      url,
      logs,
      async close() {
        await stopServer();
        await built.close();
        // SCAN matches full keys; `del` adds the prefix again, so it gets them without it.
        const keys = await scanKeys(store.client, `${escapeGlob(keyPrefix)}*`).catch(() => []);
        await store.del(...keys.map((k) => k.slice(keyPrefix.length))).catch(() => undefined);
        store.client.disconnect();
      },
    };
  } catch (err) {
    await stopServer();
    kv?.client.disconnect();
    throw err;
  }
}
