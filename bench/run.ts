/**
 * `npm run bench`: starts Redis, the baselines, a LikeCoin stand-in and the built service
 * (dist/), runs the load generator against each in interleaved rounds, and prints and saves the
 * results. Each scenario and baseline lives in bench/scenarios/. On Node 24 and the machine's
 * Node, each in a child run of this file (bench/lib/nodes.ts). See bench/README.md.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { machineInfo } from './lib/machine';
import { nodesToRun, runOnNodes } from './lib/nodes';
import { sessionsLine, writeReport, warningLines } from './lib/output';
import { canPin, installExitHandlers, rssKiB, stopAll } from './lib/procs';
import { groupRatios, lookup } from './lib/ratios';
import { stopService } from './lib/service';
import { log, logPlan, SETTINGS } from './lib/settings';
import { startShared, type Shared } from './lib/shared';
import { runRounds, sanityCheck, summarize, type Results, type Target } from './lib/targets';
import { bareHttp } from './scenarios/a-bare-http';
import { bareExpress } from './scenarios/b-bare-express';
import { naiveToken } from './scenarios/c-naive-token';
import { upstreamDirect } from './scenarios/d-upstream';
import { nginxProxy, type Nginx } from './scenarios/e-nginx';
import { floorToken, type FloorToken } from './scenarios/f-floor-token';
import { floorProxy } from './scenarios/g-floor-proxy';
import { floorGateway } from './scenarios/h-floor-gateway';
import { gatewayTargets, large } from './scenarios/s6-gateway';
import { gatewayRatios } from './lib/gateway-ratios';
import { tokenCookie } from './scenarios/s1-token-cookie';
import { tokenCookieTraced } from './scenarios/s1t-token-traced';
import { tokenBearer } from './scenarios/s2-token-bearer';
import { proxyTargets } from './scenarios/s3-proxy';
import { refreshStorm } from './scenarios/s4-storm';
import { memory } from './scenarios/s5-memory';

type Group = { name: string; title: string; targets: Target[] };

/** The token group (not with BENCH_ONLY=gateway). */
async function tokenGroup(shared: Shared, floor: FloorToken, s1: Target): Promise<Group> {
  const targets = [
    await bareHttp(),
    await bareExpress(),
    await naiveToken(shared),
    floor.target,
    s1,
    await tokenCookieTraced(shared, s1),
    await tokenBearer(shared),
  ];
  return {
    name: 'token',
    title: `token path, ${SETTINGS.throughputConnections} connections`,
    targets,
  };
}

/**
 * The proxy group at 50 connections (with gateway mode S6 and its floor (h) beside (e), (g) and
 * S3), the same with 64 KB answers, and (d), S3 and S6 at 1 connection.
 */
async function proxyGroups(shared: Shared, nginx: Nginx | undefined): Promise<Group[]> {
  const T = SETTINGS.throughputConnections;
  const L = SETTINGS.latencyConnections;
  const s3 = await proxyTargets(shared);
  const s3Small = s3(T, '');
  const h = nginx ? await floorGateway(shared) : undefined;
  const s6 = nginx ? await gatewayTargets(shared, s3Small) : undefined;
  if (h) cleanups.push(h.nginx.cleanup);
  if (s6) cleanups.push(s6.nginx.cleanup);
  const proxy = [
    upstreamDirect(shared, T, ''),
    ...(nginx ? [nginx.target] : []),
    await floorProxy(shared),
    s3Small,
    ...(h ? [h.small] : []),
    ...(s6 ? [s6.small] : []),
  ];
  const large64 = [
    ...(nginx ? [large(nginx.target, '(e) nginx → (d), 64 KB')] : []),
    ...(h ? [h.large] : []),
    ...(s6 ? [s6.large] : []),
    large(s3Small, 'S3 proxy → (d), 64 KB'),
  ];
  // nginx's latency is in no ratio: left out of the 1-connection group to keep the run short.
  const latency = [upstreamDirect(shared, L, '@1'), s3(L, '@1'), ...(s6 ? [s6.latency] : [])];
  return [
    { name: 'proxy', title: `proxy, ${T} connections`, targets: proxy },
    { name: 'large', title: `proxy, 64 KB answers, ${T} connections`, targets: large64 },
    { name: 'latency', title: `proxy latency, ${L} connection`, targets: latency },
  ];
}

/** Temp dirs of the gateway's nginx processes, removed at the end. */
const cleanups: (() => void)[] = [];

async function measure(
  shared: Shared,
  nginx: Nginx | undefined,
  pinned: boolean,
  wallStart: number,
  loadAvg: number[],
) {
  const gatewayOnly = SETTINGS.only === 'gateway';
  const floor = gatewayOnly ? undefined : await floorToken(shared);
  const s1 = gatewayOnly ? undefined : await tokenCookie(shared);
  const list = [
    ...(floor && s1 ? [await tokenGroup(shared, floor, s1)] : []),
    ...(await proxyGroups(shared, nginx)),
  ];
  for (const t of list.filter((g) => g.name !== 'latency').flatMap((g) => g.targets)) {
    await sanityCheck(t);
  }
  const results: Results = new Map();
  for (const g of list) {
    log(`\nbench: ${g.title}`);
    await runRounds(g.name, g.targets, results);
  }
  const storm = gatewayOnly ? undefined : await refreshStorm(shared);
  const mainServiceRssMiB = rssKiB(shared.service.child.pid) / 1024;
  await stopService(shared.service);
  const mem = floor && s1 ? await memory(shared, s1, floor) : undefined;

  const targets = list.flatMap((g) => g.targets);
  const summaries = targets.map((t) => summarize(t, results.get(t.id) ?? []));
  const get = lookup(summaries);
  const ratios = [
    ...(gatewayOnly ? [] : groupRatios(get, nginx !== undefined)),
    ...gatewayRatios(get, nginx !== undefined),
    ...(storm ? [storm.ratio] : []),
    ...(mem?.ratios ?? []),
  ];
  const machine = machineInfo(pinned, shared.redisVersion, nginx?.version, loadAvg);
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const report = {
    sessions: sessionsLine(targets),
    wallSeconds,
    machine,
    summaries,
    results,
    storm,
    memory: mem,
    mainServiceRssMiB,
    ratios,
  };
  writeReport(report);
  if (warningLines(report).length) process.exitCode = 2;
}

async function main(): Promise<void> {
  const nodes = nodesToRun();
  if (nodes) {
    process.exitCode = await runOnNodes(nodes);
    return;
  }
  installExitHandlers();
  const wallStart = performance.now();
  const loadAvgAtStart = os.loadavg();
  const pinned = canPin();
  logPlan(pinned);
  const { shared, stop } = await startShared();
  let nginx: Nginx | undefined;
  try {
    nginx = await nginxProxy(shared);
    await measure(shared, nginx, pinned, wallStart, loadAvgAtStart);
  } finally {
    await stopAll();
    await stop();
    nginx?.cleanup();
    for (const cleanup of cleanups) cleanup();
  }
}

// Exit explicitly once cleaned up: a stray handle must not keep a finished run alive.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(
      `\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
