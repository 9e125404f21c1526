/**
 * `npm run bench:quick`: the token group's ratios only ((f), S1, S2, and with BENCH_QUICK=proxy
 * (g) and S3; with BENCH_QUICK=tracing S1 and S1T, tracing on; with BENCH_QUICK=gateway (h), S6
 * and S3 at 1 KB; with BENCH_QUICK=auth the two auth endpoints alone, without nginx), in interleaved rounds on the machine's Node: a fast A/B while working on the hot
 * path. Not a replacement for `npm run bench`, whose report is the one that counts.
 */
import { installExitHandlers, stopAll } from './lib/procs';
import { startService } from './lib/service';
import { log, SETTINGS } from './lib/settings';
import { startShared, type Shared } from './lib/shared';
import { runRounds, summarize, type Results, type Target } from './lib/targets';
import { floorToken } from './scenarios/f-floor-token';
import { floorProxy } from './scenarios/g-floor-proxy';
import { tokenCookie } from './scenarios/s1-token-cookie';
import { tokenCookieTraced } from './scenarios/s1t-token-traced';
import { tokenBearer } from './scenarios/s2-token-bearer';
import { proxyTargets } from './scenarios/s3-proxy';
import { floorGateway } from './scenarios/h-floor-gateway';
import { gatewayTargets } from './scenarios/s6-gateway';

/** Temp dirs of the gateway's nginx processes, removed at the end. */
const cleanups: (() => void)[] = [];

/** (f) first: every other target's ratio is to it. */
async function quickTargets(shared: Shared, which: string | undefined): Promise<Target[]> {
  if (which === 'gateway' || which === 'auth') {
    // (h) first, the floor S6's target is against; then S6 and S3 (S6 ÷ S3 is the other target).
    const s3 = (await proxyTargets(shared))(SETTINGS.throughputConnections, '');
    const h = await floorGateway(shared);
    const s6 = await gatewayTargets(shared, s3);
    if (!h || !s6) throw new Error('BENCH_QUICK=gateway needs nginx');
    cleanups.push(h.nginx.cleanup, s6.nginx.cleanup);
    // auth: the two auth endpoints alone, without nginx: what the subrequest itself costs.
    if (which === 'auth' && h.auth && s6.auth)
      return [h.auth, s6.auth, ...(await abAuth(shared, s6.auth))];
    return [h.small, s6.small, s3];
  }
  if (which === 'proxy') {
    return [
      await floorProxy(shared),
      (await proxyTargets(shared))(SETTINGS.throughputConnections, ''),
    ];
  }
  const floor = (await floorToken(shared)).target;
  const s1 = await tokenCookie(shared);
  if (which === 'tracing') return [floor, s1, await tokenCookieTraced(shared, s1)];
  return [floor, s1, await tokenBearer(shared)];
}

/**
 * BENCH_AB_DIST=<another checkout's dist/>: a second service built from it, on the same store,
 * secrets and sessions, measured in the same rounds as this one's /auth/likecoin (an A/B of a
 * change, side by side rather than from two runs on a machine whose load moves).
 */
async function abAuth(shared: Shared, s6Auth: Target): Promise<Target[]> {
  const dist = process.env.BENCH_AB_DIST;
  if (!dist) return [];
  const other = await startService('token-bff (B)', shared.env, [], dist);
  return [
    {
      ...s6Auth,
      id: 'S6-auth-B',
      label: 'S6 /auth/likecoin alone, B',
      url: `${other.internalUrl}/auth/likecoin`,
      pids: () => [other.child.pid],
      rssPids: () => [other.child.pid],
    },
  ];
}

async function main(): Promise<void> {
  installExitHandlers();
  const { shared, stop } = await startShared();
  try {
    const targets: Target[] = await quickTargets(shared, process.env.BENCH_QUICK);
    const results: Results = new Map();
    await runRounds('quick', targets, results);
    const [floor, ...rest] = targets.map((t) => summarize(t, results.get(t.id) ?? []));
    if (!floor) return;
    const s1 = rest.find((s) => s.id === 'S1');
    for (const s of rest) {
      if (s.id === 'S1T' && s1) {
        log(`S1T ÷ S1 (what tracing costs): ${(s.rps.median / s1.rps.median).toFixed(2)}`);
      }
      log(
        `${s.label}: ${Math.round(s.rps.median)} req/s ÷ ${floor.label} ${Math.round(floor.rps.median)} = ${(s.rps.median / floor.rps.median).toFixed(2)}${s.invalid.length ? ` (INVALID: ${s.invalid.join('; ')})` : ''}`,
      );
    }
  } finally {
    await stopAll();
    await stop();
    for (const cleanup of cleanups) cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:quick failed: ${String(err)}\n`);
    process.exit(1);
  },
);
