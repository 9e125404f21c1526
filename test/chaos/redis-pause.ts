import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../src/config';
import { isAllowedDuringOutage } from '../support/failover-load';
import { call, figures, runLoad, type Answer } from '../support/load';
import { spawnRedis } from '../support/redis-process';
import { freePort } from '../support/redis-server';
import { Scenario, bearerSessions, sleep, type ScenarioResult } from './scenario';
import { startBuiltService } from './service';

const PAUSE_MS = 5_000;

/**
 * The store stops answering for 5 s (SIGSTOP: connections stay open, nothing is refused, every
 * command just waits): requests must fail fast with 503 and come back by themselves after.
 */
export async function redisPaused(): Promise<ScenarioResult> {
  const s = new Scenario('Redis paused 5 s under load');
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-chaos-'));
  const port = await freePort();
  const redis = await spawnRedis(
    port,
    [
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
    ],
    dir,
  );
  const service = await startBuiltService({ REDIS_URL: `redis://127.0.0.1:${port}` }).catch(
    async (err: unknown) => {
      await redis.kill();
      throw err;
    },
  );
  try {
    const tokens = await bearerSessions(service.url, 20, 'paused-user');
    const get = (i: number) =>
      call(`${service.url}/livelike/token`, {
        headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
        fresh: false,
      });

    let resumedAt = Number.POSITIVE_INFINITY;
    let streak = 0;
    const load = runLoad({
      concurrency: 4,
      maxRequests: 3_000,
      maxMs: 15_000,
      until: () => streak >= 100,
      send: async (i) => {
        const a = await get(i);
        if (a.startedAt >= resumedAt) streak = a.status === 200 ? streak + 1 : 0;
        await sleep(5);
        return a;
      },
    });
    await sleep(1_000);
    const pausedAt = Date.now();
    redis.child.kill('SIGSTOP');
    await sleep(PAUSE_MS);
    redis.child.kill('SIGCONT');
    resumedAt = Date.now();
    const answers: Answer[] = await load;

    const f = figures(answers);
    const during = answers.filter((a) => a.startedAt >= pausedAt && a.startedAt < resumedAt);
    const firstBack = answers.find((a) => a.startedAt >= resumedAt && a.status === 200);
    s.measure('GET /livelike/token, 4 in parallel', f);
    s.measure('  sent while paused', figures(during));
    s.note(`  first 200 ${firstBack ? firstBack.startedAt - resumedAt : 'never'} ms after SIGCONT`);

    const unexpected = answers.filter((a) => !isAllowedDuringOutage(a));
    s.rule(
      unexpected.length === 0,
      `only 200 or 503 store_unavailable + Retry-After (got ${unexpected
        .slice(0, 3)
        .map((a) => `${a.status} ${a.error ?? a.body.slice(0, 60)}`)
        .join('; ')})`,
    );
    s.rule((f.statuses['503'] ?? 0) > 0, 'some 503s while the store was paused');
    const bound = 2 * DEFAULT_LIMITS.redisCommandTimeoutMs + 500;
    s.rule(f.max <= bound, `fails fast: no request over ${bound} ms (max ${f.max} ms)`);
    s.rule(streak >= 100, `100 × 200 in a row after SIGCONT (got ${streak})`);
    const after = await Promise.all(tokens.map((_, i) => get(i)));
    s.rule(
      after.every((a) => a.status === 200),
      `every session logged in before still works (${after.filter((a) => a.status !== 200).length} do not)`,
    );
  } finally {
    redis.child.kill('SIGCONT');
    await service.kill();
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  return s.result();
}
