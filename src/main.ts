// First: tracing, when configured, must be in place before the modules it instruments load.
import { stopTracing, traceStore } from './tracing/preload';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log/create-logger';
import { drain, createHttpServer } from './server';
import { createKv } from './store/create-kv';

async function main(): Promise<void> {
  // The real environment wins over .env, and production never reads one.
  if (process.env.NODE_ENV !== 'production' && existsSync('.env')) process.loadEnvFile('.env');

  let loaded;
  try {
    loaded = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `token-bff cannot start:\n${err.problems.map((p) => `  ${p}\n`).join('')}`,
    );
    process.exit(1);
  }
  const { config, warnings } = loaded;
  const logger = createLogger(config.logLevel);
  for (const warning of warnings) logger.warn(warning);

  const kv = traceStore(createKv(config));
  const { app, internal, close } = createApp({ config, kv, logger });
  const server = createHttpServer(app, config.limits, config.tls);
  // Listening before the store's first connection would answer the first requests with 503
  // store_unavailable (every command fails fast). Wait for it, a bounded time: a store that is
  // down must not keep the service from starting (it answers 503 and /readyz says so meanwhile).
  await kv.ready(config.limits.redisConnectTimeoutMs).catch((err: unknown) => {
    logger.warn({ err }, 'store not reachable yet: serving, answering 503 until it is');
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  // /metrics and the gateway's /auth/* (INTERNAL_PORT): plain HTTP, for the operator's network.
  const internalServer = internal && createHttpServer(internal, config.limits);
  if (internalServer && config.internal) {
    internalServer.listen(config.internal.port, config.internal.host);
    await once(internalServer, 'listening');
    logger.info(config.internal, 'internal listener (metrics, gateway) listening');
  }
  logger.info(
    { port: config.port, host: config.host, store: kv.kind, https: config.tls !== undefined },
    'token-bff listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // drain() stops accepting at once: the line is logged after that, so it says what it means.
    const drained = Promise.all([
      drain(server, config.shutdownTimeoutMs),
      internalServer && drain(internalServer, config.shutdownTimeoutMs),
    ]);
    logger.info({ signal }, 'draining');
    await drained;
    await close();
    await kv.close();
    await stopTracing();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `token-bff failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
