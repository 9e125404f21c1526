import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, figures, runLoad, type Answer } from '../support/load';
import { startRedisServer } from '../support/redis-server';
import { Scenario, bearerSessions, sleep, type ScenarioResult } from './scenario';
import { startBuiltService } from './service';

const SLOW_UPSTREAM_MS = 300;

/**
 * SIGTERM while requests are in flight (half of them proxied to a LiveLike stand-in that takes
 * 300 ms, so some are surely mid-way): those finish with 200, new connections are refused,
 * nobody gets a 5xx, and the process exits 0.
 */
export async function sigtermUnderLoad(): Promise<ScenarioResult> {
  const s = new Scenario('SIGTERM under load');
  const redis = await startRedisServer();
  const upstream = createServer((_req, res) => {
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      SLOW_UPSTREAM_MS,
    );
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const service = await startBuiltService({
    REDIS_URL: redis.url,
    LIVELIKE_API_URL: upstreamUrl,
    SHUTDOWN_TIMEOUT_SECONDS: '5',
  }).catch(async (err: unknown) => {
    upstream.close();
    await redis.dispose();
    throw err;
  });
  try {
    const tokens = await bearerSessions(service.url, 20, 'sigterm-user');
    let sigtermAt = Number.POSITIVE_INFINITY;
    let exitedAt = Number.POSITIVE_INFINITY;
    const exit = service.exited.then((code) => {
      exitedAt = Date.now();
      return code;
    });
    const load = runLoad({
      concurrency: 8,
      maxRequests: 3_000,
      maxMs: 12_000,
      // Until a while after the exit, so refused connections are seen too.
      until: () => Date.now() > exitedAt + 200,
      send: async (i) => {
        const path = i % 2 === 0 ? '/livelike/token' : '/livelike/api/slow';
        const a = await call(`${service.url}${path}`, {
          headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
        });
        if (a.status === 0) await sleep(20); // refused: do not spin
        return a;
      },
    });
    await sleep(1_000);
    sigtermAt = Date.now();
    service.child.kill('SIGTERM');
    const code = await exit;
    const answers: Answer[] = await load;

    const before = answers.filter((a) => a.startedAt + a.ms < sigtermAt);
    const inFlight = answers.filter(
      (a) => a.startedAt < sigtermAt && a.startedAt + a.ms >= sigtermAt,
    );
    const after = answers.filter((a) => a.startedAt >= sigtermAt);
    s.measure('all requests (8 in parallel, a connection each)', figures(answers));
    s.measure('  answered before SIGTERM', figures(before));
    s.measure('  in flight at SIGTERM', figures(inFlight));
    s.measure('  sent after SIGTERM', figures(after));
    s.note(`  exit code ${code}, ${exitedAt - sigtermAt} ms after SIGTERM`);

    s.rule(code === 0, `exit 0 (got ${code})`);
    s.rule(exitedAt - sigtermAt < 6_000, 'exits within SHUTDOWN_TIMEOUT_SECONDS + 1 s');
    const fiveXx = answers.filter((a) => a.status >= 500);
    s.rule(fiveXx.length === 0, `no 5xx at all (${fiveXx.length})`);
    s.rule(
      before.every((a) => a.status === 200),
      'every request answered before SIGTERM is 200',
    );
    // A connection still in the listen backlog when the server closes is reset unanswered: the
    // client saw no answer and may retry. Every request the service did take finishes with 200.
    const cut = inFlight.filter((a) => a.status !== 200 && a.status !== 0);
    s.rule(
      inFlight.some((a) => a.status === 200),
      'some requests were in flight at SIGTERM and finished 200',
    );
    s.rule(cut.length === 0, `in-flight requests finish 200 (${cut.length} did not)`);
    s.rule(
      after.every((a) => a.status === 0 || a.status === 200),
      'after SIGTERM: refused or served, never an error answer',
    );
  } finally {
    await service.kill();
    upstream.closeAllConnections();
    upstream.close();
    await redis.dispose();
  }
  return s.result();
}
