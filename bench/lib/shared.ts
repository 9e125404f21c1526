/**
 * What several scenarios share: Redis, upstream (d), the LikeCoin stand-in (in this process) and
 * the service under test, with LikeCoin's API pointed at (d).
 */
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import {
  startLikeCoinStandIn,
  startRedisServer,
  type LikeCoinStandIn,
  type RedisServer,
} from '../../test/support/harness';
import { startBaseline, type Baseline } from './baseline';
import { onEmergencyExit, pinPid, SERVER_CPU, stopAll } from './procs';
import {
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
  serviceEnv,
  startService,
  type Service,
} from './service';
import { log } from './settings';

export interface Shared {
  redisUrl: string;
  redisVersion: string;
  /** Unique per run: Redis key prefixes and secrets of this run. */
  runId: string;
  upstream: Baseline;
  standIn: LikeCoinStandIn;
  /** The service's environment (S5 starts a fresh process with it). */
  env: Record<string, string>;
  appJwtSecret: string;
  service: Service;
}

/** Our own throwaway Redis (pinned with the servers), or BENCH_REDIS_URL's. */
async function startRedis(): Promise<{ url: string; server: RedisServer | undefined }> {
  if (process.env.BENCH_REDIS_URL) {
    log(
      `bench: using BENCH_REDIS_URL=${process.env.BENCH_REDIS_URL} (not started or pinned by the harness)`,
    );
    return { url: process.env.BENCH_REDIS_URL, server: undefined };
  }
  const server = await startRedisServer();
  return { url: server.url, server };
}

async function redisInfo(url: string, server: RedisServer | undefined): Promise<string> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await probe.connect();
  const info = await probe.info('server');
  await probe.quit();
  if (server) {
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    onEmergencyExit(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } finally {
        rmSync(server.dir, { recursive: true, force: true });
      }
    });
    pinPid(pid, SERVER_CPU);
  }
  return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
}

/** Starts everything shared; `stop` (always call it) stops what was started, even half-way. */
export async function startShared(): Promise<{ shared: Shared; stop: () => Promise<void> }> {
  let redis: RedisServer | undefined;
  let standIn: LikeCoinStandIn | undefined;
  const stop = async () => {
    await standIn?.close();
    await redis?.dispose();
  };
  try {
    const r = await startRedis();
    redis = r.server;
    const redisVersion = await redisInfo(r.url, redis);
    const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
    const upstream = await startBaseline('(d) upstream', 'bench/baselines/upstream.ts');
    standIn = await startLikeCoinStandIn({
      clientId: LIKECOIN_CLIENT_ID,
      clientSecret: LIKECOIN_CLIENT_SECRET,
      redirectUris: [REDIRECT_URI],
    });
    const { env, appJwtSecret } = serviceEnv({
      redisUrl: r.url,
      keyPrefix: `bench-${runId}:`,
      standIn,
      upstreamApiUrl: `http://127.0.0.1:${upstream.port}/api`,
    });
    const service = await startService('token-bff', env);
    const shared = {
      redisUrl: r.url,
      redisVersion,
      runId,
      upstream,
      standIn,
      env,
      appJwtSecret,
      service,
    };
    return { shared, stop };
  } catch (err) {
    await stopAll();
    await stop();
    throw err;
  }
}
