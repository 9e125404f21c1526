/**
 * `npm run bench:quick`: the token group's ratios only ((f), S1, S2, and with BENCH_QUICK=proxy
 * (g) and S3), in interleaved rounds on the machine's Node: a fast A/B while working on the hot
 * path. Not a replacement for `npm run bench`, whose report is the one that counts.
 */
import { installExitHandlers, stopAll } from './lib/procs';
import { log, SETTINGS } from './lib/settings';
import { startShared } from './lib/shared';
import { runRounds, summarize, type Results, type Target } from './lib/targets';
import { floorToken } from './scenarios/f-floor-token';
import { floorProxy } from './scenarios/g-floor-proxy';
import { tokenCookie } from './scenarios/s1-token-cookie';
import { tokenBearer } from './scenarios/s2-token-bearer';
import { proxyTargets } from './scenarios/s3-proxy';

async function main(): Promise<void> {
  installExitHandlers();
  const { shared, stop } = await startShared();
  try {
    const proxy = process.env.BENCH_QUICK === 'proxy';
    const targets: Target[] = proxy
      ? [await floorProxy(shared), (await proxyTargets(shared))(SETTINGS.throughputConnections, '')]
      : [(await floorToken(shared)).target, await tokenCookie(shared), await tokenBearer(shared)];
    const results: Results = new Map();
    await runRounds('quick', targets, results);
    const [floor, ...rest] = targets.map((t) => summarize(t, results.get(t.id) ?? []));
    if (!floor) return;
    for (const s of rest) {
      log(
        `${s.label}: ${Math.round(s.rps.median)} req/s ÷ ${floor.label} ${Math.round(floor.rps.median)} = ${(s.rps.median / floor.rps.median).toFixed(2)}${s.invalid.length ? ` (INVALID: ${s.invalid.join('; ')})` : ''}`,
      );
    }
  } finally {
    await stopAll();
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:quick failed: ${String(err)}\n`);
    process.exit(1);
  },
);
