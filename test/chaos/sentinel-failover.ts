import { failoverUnderLoad } from '../support/failover-load';
import { startRedisSentinel } from '../support/redis-sentinel';
import { Scenario, type ScenarioResult } from './scenario';
import { startBuiltService } from './service';

/** The built service on REDIS_SENTINELS: the replica promoted under load (see test/scale). */
export async function sentinelFailover(): Promise<ScenarioResult> {
  const s = new Scenario('Sentinel failover under load');
  const sentinel = await startRedisSentinel();
  const keyPrefix = 'chaos:failover:';
  const service = await startBuiltService({
    REDIS_SENTINELS: sentinel.sentinels.map((a) => `${a.host}:${a.port}`).join(','),
    REDIS_SENTINEL_NAME: sentinel.name,
    REDIS_KEY_PREFIX: keyPrefix,
  }).catch(async (err: unknown) => {
    await sentinel.stop();
    throw err;
  });
  try {
    const run = await failoverUnderLoad({ url: service.url, sentinel, keyPrefix });
    s.measure('GET /livelike/token over 20 sessions, 4 in parallel', run.figures);
    s.note(
      `  master ${run.oldMasterPort} → ${run.newMasterPort}; first 200 ${run.backAfterMs} ms after +switch-master`,
    );
    s.rule(run.newMasterPort !== run.oldMasterPort, 'the sentinel promoted the replica');
    s.rule(
      run.unexpected.length === 0,
      `only 200 or 503 store_unavailable + Retry-After (${run.unexpected
        .slice(0, 3)
        .map((a) => `${a.status} ${a.error ?? a.body.slice(0, 60)}`)
        .join('; ')})`,
    );
    s.rule(
      run.lostSessions.length === 0,
      `every session still works (${run.lostSessions.length} lost)`,
    );
    s.rule(run.backAfterMs < 5_000, `back within 5 s of the switch (${run.backAfterMs} ms)`);
    s.rule(run.streakAfter >= 100, `100 × 200 in a row after the switch (${run.streakAfter})`);
    s.rule(
      run.figures.max < 3_500,
      `fails fast: no request over 3.5 s (max ${run.figures.max} ms)`,
    );
    s.rule(service.child.exitCode === null, 'the same process throughout (no restart)');
  } finally {
    await service.kill();
    await sentinel.stop();
  }
  return s.result();
}
