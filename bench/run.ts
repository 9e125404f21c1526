/**
 * `npm run bench`: starts the baselines, Redis, a LikeCoin stand-in and the built service
 * (dist/), runs the load generator against each in interleaved rounds, and prints and saves the
 * results. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../test/support/likecoin-stand-in';
import { freePort, startRedisServer, type RedisServer } from '../test/support/redis-server';
import { findNginx, nginxVersion, writeNginxConf } from './baselines/nginx';
import type { LoadInput, LoadResult } from './load';
import {
  ratiosMd,
  ratiosText,
  targetsMd,
  targetsText,
  type Ratio,
  type TargetSummary,
} from './lib/report';
import {
  canPin,
  childPids,
  httpAnswers,
  installExitHandlers,
  LOAD_CPU,
  onEmergencyExit,
  pinPid,
  ROOT,
  rssKiB,
  runJsonChild,
  SERVER_CPU,
  startChild,
  startNodeTs,
  stopAll,
  tcpOpen,
  waitUntil,
  type Child,
} from './lib/procs';
import {
  connectLikeCoin,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  login,
  REDIRECT_URI,
  serviceEnv,
  startService,
  stopService,
  VIA_HTTPS,
} from './lib/service';
import { spread } from './lib/stats';
import type { StormInput, StormResult } from './storm';

function numberEnv(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return n;
}

const SETTINGS = {
  seconds: numberEnv('BENCH_SECONDS', 5, 1),
  warmupSeconds: numberEnv('BENCH_WARMUP_SECONDS', 2, 0),
  rounds: Math.floor(numberEnv('BENCH_ROUNDS', 3, 1)),
  throughputConnections: 50,
  latencyConnections: 1,
  stormSize: Math.floor(numberEnv('BENCH_STORM', 1000, 1)),
  memoryRequests: Math.floor(numberEnv('BENCH_S5_REQUESTS', 200_000, 1000)),
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const round2 = (n: number | undefined) => Math.round((n ?? 0) * 100) / 100;

interface Target {
  id: string;
  label: string;
  connections: number;
  url: string;
  headers?: Record<string, string>;
  /** Processes whose CPU is sampled: the whole server side of this target. */
  pids: () => number[];
  /** Processes whose RSS is reported: the server under test itself. */
  rssPids?: () => number[];
}

interface RoundResult extends LoadResult {
  round: number;
  rssKiB: number | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function totalRssKiB(pids: number[]): number | undefined {
  try {
    return pids.reduce((sum, pid) => sum + rssKiB(pid), 0);
  } catch {
    return undefined;
  }
}

async function load(target: Target, input: Partial<LoadInput>): Promise<LoadResult> {
  const full: LoadInput = {
    url: target.url,
    connections: target.connections,
    durationSec: SETTINGS.seconds,
    warmupSec: SETTINGS.warmupSeconds,
    headers: target.headers ?? {},
    serverPids: target.pids(),
    ...input,
  };
  return runJsonChild<LoadResult>(`load ${target.id}`, 'bench/load.ts', full, { cpu: LOAD_CPU });
}

/** One request with the target's headers must answer 2xx, or the scenario is broken. */
async function sanityCheck(target: Target): Promise<void> {
  const res = await fetch(target.url, { headers: target.headers ?? {} });
  const body = await res.text();
  if (!res.ok) {
    throw new Error(
      `${target.label}: GET ${target.url} answered ${res.status} before any load: ${body.slice(0, 500)}`,
    );
  }
}

async function runRounds(
  group: string,
  targets: Target[],
  results: Map<string, RoundResult[]>,
): Promise<void> {
  for (let round = 1; round <= SETTINGS.rounds; round++) {
    for (const target of targets) {
      const r = await load(target, {});
      const rss = totalRssKiB((target.rssPids ?? target.pids)());
      const list = results.get(target.id) ?? [];
      list.push({ ...r, round, rssKiB: rss });
      results.set(target.id, list);
      const bad =
        r.non2xx + r.errors + r.timeouts > 0 ? `  !! non-2xx ${r.non2xx}, errors ${r.errors}` : '';
      log(
        `  [${group} ${round}/${SETTINGS.rounds}] ${target.label.padEnd(34)} ` +
          `${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  ` +
          `p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms${bad}`,
      );
    }
  }
}

function summarize(target: Target, rounds: RoundResult[]): TargetSummary {
  const sum = (f: (r: RoundResult) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) {
    for (const [code, n] of Object.entries(r.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + n;
    }
  }
  const non2xx = sum((r) => r.non2xx);
  const errors = sum((r) => r.errors);
  const timeouts = sum((r) => r.timeouts);
  const warmupBad = sum((r) => (r.warmup ? r.warmup.non2xx + r.warmup.errors : 0));
  const invalid: string[] = [];
  if (non2xx > 0) {
    const codes = Object.entries(statusCodes)
      .filter(([c]) => !c.startsWith('2'))
      .map(([c, n]) => `${n}×${c}`)
      .join(', ');
    invalid.push(`${non2xx} non-2xx (${codes})`);
  }
  if (errors > 0) {
    const messages = [...new Set(rounds.flatMap((r) => r.errorMessages))].join(' / ');
    invalid.push(`${errors} errors (${messages})`);
  }
  if (timeouts > 0) invalid.push(`${timeouts} timeouts`);
  if (warmupBad > 0) invalid.push(`${warmupBad} non-2xx/errors during warm-up`);
  const cpu = rounds.map((r) => r.serverCpuPct).filter((v): v is number => v !== undefined);
  const rss = rounds.map((r) => r.rssKiB).filter((v): v is number => v !== undefined);
  return {
    id: target.id,
    label: target.label,
    connections: target.connections,
    rounds: rounds.length,
    rps: spread(rounds.map((r) => r.rps)),
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    serverCpuPct: cpu.length ? spread(cpu).median : undefined,
    loadCpuPct: spread(rounds.map((r) => r.loadCpuPct)).median,
    rssMiB: rss.length ? Math.max(...rss) / 1024 : undefined,
    non2xx,
    errors,
    timeouts,
    statusCodes,
    invalid,
  };
}

function machineInfo(
  pinned: boolean,
  redisVersion: string,
  nginx: string | undefined,
  loadAvgAtStart: number[],
) {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trimEnd();
    } catch {
      return undefined;
    }
  };
  const autocannonVersion = (
    JSON.parse(readFileSync(resolve(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    // Other work on the machine skews absolute numbers (ratios less so): 1-minute load averages.
    loadAvg: { start: round2(loadAvgAtStart[0]), end: round2(os.loadavg()[0]) },
    pinned,
    pinning: pinned
      ? `taskset: servers (service, baselines, nginx, Redis) on CPU ${SERVER_CPU}, load generators on CPU ${LOAD_CPU}`
      : 'not pinned (no taskset, fewer than 2 CPUs, or BENCH_PIN=0)',
    redis: redisVersion,
    nginx: nginx ?? 'not found: (e) skipped',
    autocannon: autocannonVersion,
    git: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      // Others may be editing the service while it is measured: say what was not committed.
      uncommitted: git(['status', '--porcelain', '--', 'src', 'package.json'])
        ?.split('\n')
        .filter(Boolean),
    },
  };
}

async function main(): Promise<void> {
  installExitHandlers();
  const wallStart = performance.now();
  const loadAvgAtStart = os.loadavg();
  const pinned = canPin();
  log(
    `bench: ${SETTINGS.rounds} rounds × ${SETTINGS.seconds} s (+${SETTINGS.warmupSeconds} s warm-up, not counted) per target; ` +
      `${SETTINGS.throughputConnections} connections for throughput, ${SETTINGS.latencyConnections} for latency`,
  );
  log(
    pinned
      ? `bench: pinned with taskset: servers and Redis on CPU ${SERVER_CPU}, load generators on CPU ${LOAD_CPU}`
      : 'bench: not pinned (no taskset, fewer than 2 CPUs, or BENCH_PIN=0)',
  );
  log('bench: the service runs with LOG_LEVEL=warn (NODE_ENV=production)');

  let redis: RedisServer | undefined;
  let standIn: LikeCoinStandIn | undefined;
  let nginxDir: string | undefined;
  try {
    // Redis: a throwaway server of our own, pinned with the servers.
    let redisUrl: string;
    if (process.env.BENCH_REDIS_URL) {
      redisUrl = process.env.BENCH_REDIS_URL;
      log(`bench: using BENCH_REDIS_URL=${redisUrl} (not started or pinned by the harness)`);
    } else {
      redis = await startRedisServer();
      redisUrl = redis.url;
    }
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await probe.connect();
    const info = await probe.info('server');
    await probe.quit();
    const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    if (redis) {
      const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
      const redisDir = redis.dir;
      onEmergencyExit(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } finally {
          rmSync(redisDir, { recursive: true, force: true });
        }
      });
      pinPid(pid, SERVER_CPU);
    }
    const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;

    // Baselines (a)–(d).
    const ports = {
      a: await freePort(),
      b: await freePort(),
      c: await freePort(),
      d: await freePort(),
    };
    const naiveEnv = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `bench-naive-${runId}:`,
      SESSION_SECRET: `naive-${runId}-${'s'.repeat(32)}`,
      LIVELIKE_CLIENT_ID: 'livelike-bench-client',
      LIVELIKE_CLIENT_SECRET: `naive-${runId}-${'l'.repeat(32)}`,
    };
    const baselineEnv = (port: number, extra: Record<string, string> = {}) => ({
      cpu: SERVER_CPU,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), ...extra },
    });
    const a = startNodeTs(
      '(a) bare-http',
      'bench/baselines/bare-http.ts',
      [],
      baselineEnv(ports.a),
    );
    const b = startNodeTs(
      '(b) bare-express',
      'bench/baselines/bare-express.ts',
      [],
      baselineEnv(ports.b),
    );
    const c = startNodeTs(
      '(c) naive-token',
      'bench/baselines/naive-token.ts',
      [],
      baselineEnv(ports.c, naiveEnv),
    );
    const d = startNodeTs('(d) upstream', 'bench/baselines/upstream.ts', [], baselineEnv(ports.d));
    for (const [child, port] of [
      [a, ports.a],
      [b, ports.b],
      [c, ports.c],
      [d, ports.d],
    ] as const) {
      await waitUntil(child, `listening on ${port}`, () => tcpOpen(port));
    }

    // (e) nginx in front of (d), when there is an nginx.
    const nginxBin = findNginx();
    let e: Child | undefined;
    let ePort: number | undefined;
    if (nginxBin) {
      const dir = mkdtempSync(join(os.tmpdir(), 'token-bff-bench-nginx-'));
      nginxDir = dir;
      onEmergencyExit(() => rmSync(dir, { recursive: true, force: true }));
      ePort = await freePort();
      const conf = writeNginxConf(dir, ePort, ports.d);
      e = startChild('(e) nginx', nginxBin, ['-e', 'stderr', '-p', dir, '-c', conf], {
        cpu: SERVER_CPU,
        emergencySignal: 'SIGTERM',
      });
      const url = `http://127.0.0.1:${ePort}/api/users/profile`;
      await waitUntil(e, `answering on ${ePort}`, () => httpAnswers(url, 200));
      e.workers = childPids(e.pid);
    } else {
      log('bench: no nginx binary found: baseline (e) and the S3 ÷ nginx ratio are skipped');
    }

    // The service, with the LikeCoin stand-in in this process and upstream (d) as LikeCoin's API.
    standIn = await startLikeCoinStandIn({
      clientId: LIKECOIN_CLIENT_ID,
      clientSecret: LIKECOIN_CLIENT_SECRET,
      redirectUris: [REDIRECT_URI],
    });
    const upstreamApiUrl = `http://127.0.0.1:${ports.d}/api`;
    const { env, appJwtSecret } = serviceEnv({
      redisUrl,
      keyPrefix: `bench-${runId}:`,
      standIn,
      upstreamApiUrl,
    });
    const service = await startService('token-bff', env);
    const cookieLogin = await login(service, appJwtSecret, 'bench-cookie-user');
    const bearerLogin = await login(service, appJwtSecret, 'bench-bearer-user');
    const proxyToken = await connectLikeCoin(
      service,
      (await login(service, appJwtSecret, 'bench-proxy-user')).sessionToken,
    );

    // The naive baseline's session.
    const naiveLogin = await fetch(`http://127.0.0.1:${ports.c}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'bench-cookie-user' }),
    });
    const naiveCookie = naiveLogin.headers
      .getSetCookie()
      .find((s) => s.startsWith('connect.sid='))
      ?.split(';')[0];
    if (!naiveLogin.ok || !naiveCookie) {
      throw new Error(`(c) naive /login answered ${naiveLogin.status} without a cookie`);
    }

    const pidsOf = (child: Child) => () => [child.pid];
    const cookieHeaders = { Cookie: cookieLogin.cookie, 'X-CSRF': '1', ...VIA_HTTPS };
    const proxyHeaders = { Authorization: `Bearer ${proxyToken}`, ...VIA_HTTPS };
    const T = SETTINGS.throughputConnections;
    const L = SETTINGS.latencyConnections;
    const tokenGroup: Target[] = [
      {
        id: 'a',
        label: '(a) bare node:http',
        connections: T,
        url: `http://127.0.0.1:${ports.a}/livelike/token`,
        pids: pidsOf(a),
      },
      {
        id: 'b',
        label: '(b) bare Express 5',
        connections: T,
        url: `http://127.0.0.1:${ports.b}/livelike/token`,
        pids: pidsOf(b),
      },
      {
        id: 'c',
        label: '(c) naive token route',
        connections: T,
        url: `http://127.0.0.1:${ports.c}/livelike/token`,
        headers: { Cookie: naiveCookie, 'X-CSRF': '1', ...VIA_HTTPS },
        pids: pidsOf(c),
      },
      {
        id: 'S1',
        label: 'S1 token, cookie session',
        connections: T,
        url: `${service.url}/livelike/token`,
        headers: cookieHeaders,
        pids: pidsOf(service.child),
      },
      {
        id: 'S2',
        label: 'S2 token, bearer session',
        connections: T,
        url: `${service.url}/livelike/token`,
        headers: { Authorization: `Bearer ${bearerLogin.sessionToken}`, ...VIA_HTTPS },
        pids: pidsOf(service.child),
      },
    ];
    const nginxPids = () => (e ? [e.pid, ...childPids(e.pid)] : []);
    const proxyTargets = (conns: number, suffix: string, withNginx: boolean): Target[] => [
      {
        id: `d${suffix}`,
        label: `(d) upstream direct${suffix}`,
        connections: conns,
        url: `http://127.0.0.1:${ports.d}/api/users/profile`,
        pids: pidsOf(d),
      },
      ...(e && ePort && withNginx
        ? [
            {
              id: `e${suffix}`,
              label: `(e) nginx → (d)${suffix}`,
              connections: conns,
              url: `http://127.0.0.1:${ePort}/api/users/profile`,
              pids: () => [...nginxPids(), d.pid],
              rssPids: nginxPids,
            },
          ]
        : []),
      {
        id: `S3${suffix}`,
        label: `S3 proxy → (d)${suffix}`,
        connections: conns,
        url: `${service.url}/likecoin/api/users/profile`,
        headers: proxyHeaders,
        pids: () => [service.child.pid, d.pid],
        rssPids: pidsOf(service.child),
      },
    ];
    const proxyGroup = proxyTargets(T, '', true);
    // nginx's latency is in no ratio: left out of the 1-connection group to keep the run short.
    const latencyGroup = proxyTargets(L, '@1', false);

    for (const t of [...tokenGroup, ...proxyGroup]) await sanityCheck(t);

    const results = new Map<string, RoundResult[]>();
    log(`\nbench: token path, ${T} connections`);
    await runRounds('token', tokenGroup, results);
    log(`\nbench: proxy, ${T} connections`);
    await runRounds('proxy', proxyGroup, results);
    log(`\nbench: proxy latency, ${L} connection`);
    await runRounds('latency', latencyGroup, results);

    // S4: a refresh storm on an access token that is already expired when it is stored.
    log(`\nbench: S4 refresh storm, ${SETTINGS.stormSize} concurrent proxied calls`);
    const realSeconds = () => Math.floor(Date.now() / 1000);
    standIn.nextUser = {
      user: 'storm-liker',
      displayName: 'Storm',
      avatar: 'https://static.like.co/avatar/storm-liker.png',
    };
    standIn.setClock(() => realSeconds() - 3600);
    let stormToken: string;
    try {
      stormToken = await connectLikeCoin(
        service,
        (await login(service, appJwtSecret, 'bench-storm-user')).sessionToken,
      );
    } finally {
      standIn.setClock(realSeconds);
    }
    const provider = standIn;
    const refreshes = () =>
      provider.requests.filter(
        (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
      ).length;
    const refreshesBefore = refreshes();
    const storm = await runJsonChild<StormResult>(
      'storm',
      'bench/storm.ts',
      {
        origin: service.url,
        path: '/likecoin/api/users/profile',
        headers: { Authorization: `Bearer ${stormToken}`, ...VIA_HTTPS },
        count: SETTINGS.stormSize,
        warmPath: '/healthz',
      } satisfies StormInput,
      { cpu: LOAD_CPU },
    );
    const stormRefreshes = refreshes() - refreshesBefore;
    log(
      `  refreshes at the stand-in: ${stormRefreshes}; statuses ${JSON.stringify(storm.statusCodes)}; ` +
        `errors ${storm.errors}; p50 ${storm.p50.toFixed(1)} ms, p99 ${storm.p99.toFixed(1)} ms, ` +
        `wall ${storm.wallMs.toFixed(0)} ms`,
    );

    const mainServiceRssMiB = rssKiB(service.child.pid) / 1024;
    await stopService(service);

    // S5: a fresh service process, S1 load for N requests, then N more.
    log(
      `\nbench: S5 memory, S1 on a fresh service process: ${SETTINGS.memoryRequests} requests, twice`,
    );
    const s5 = await startService('token-bff (S5)', env);
    const s5Login = await login(s5, appJwtSecret, 'bench-memory-user');
    const s5Target: Target = {
      id: 'S5',
      label: 'S5 token, cookie session (memory)',
      connections: T,
      url: `${s5.url}/livelike/token`,
      headers: { Cookie: s5Login.cookie, 'X-CSRF': '1', ...VIA_HTTPS },
      pids: pidsOf(s5.child),
    };
    await sanityCheck(s5Target);
    const rssStart = rssKiB(s5.child.pid);
    const memoryRuns: {
      after: number;
      rssKiB: number;
      readingsKiB: number[];
      result: LoadResult;
    }[] = [];
    // One RSS reading mostly says where the collector happened to be (the heap swings by tens of
    // MiB between major GCs), so each half runs in four chunks and is judged by the median of the
    // four readings taken after them; the reading at the very end is reported too.
    const CHUNKS = 4;
    for (let i = 1; i <= 2; i++) {
      const readingsKiB: number[] = [];
      let result: LoadResult | undefined;
      for (let c = 0; c < CHUNKS; c++) {
        const chunk = await load(s5Target, {
          amount: Math.ceil(SETTINGS.memoryRequests / CHUNKS),
          warmupSec: 0,
        });
        result = result ? mergeLoad(result, chunk) : chunk;
        // Let the last responses' garbage settle the way it would between bursts.
        await sleep(500);
        readingsKiB.push(rssKiB(s5.child.pid));
      }
      const sorted = [...readingsKiB].sort((a, b) => a - b);
      const medianKiB = (sorted[1]! + sorted[2]!) / 2;
      memoryRuns.push({
        after: i * SETTINGS.memoryRequests,
        rssKiB: medianKiB,
        readingsKiB,
        result: result!,
      });
      log(
        `  after ${(i * SETTINGS.memoryRequests).toLocaleString('en-US')} requests: RSS median ${(medianKiB / 1024).toFixed(1)} MiB ` +
          `(readings ${readingsKiB.map((r) => (r / 1024).toFixed(1)).join(', ')}; ` +
          `${Math.round(result!.rps).toLocaleString('en-US')} req/s, non-2xx ${result!.non2xx}, errors ${result!.errors})`,
      );
    }
    await stopService(s5);
    const [m1, m2] = memoryRuns as [(typeof memoryRuns)[0], (typeof memoryRuns)[0]];
    const growthPct = ((m2.rssKiB - m1.rssKiB) / m1.rssKiB) * 100;
    const memoryInvalid = memoryRuns.flatMap((m) =>
      m.result.non2xx + m.result.errors + m.result.timeouts > 0
        ? [
            `${m.result.non2xx} non-2xx (${JSON.stringify(m.result.statusCodes)}), ${m.result.errors} errors`,
          ]
        : [],
    );

    // Summaries and ratios.
    const allTargets = [...tokenGroup, ...proxyGroup, ...latencyGroup];
    const summaries = allTargets.map((t) => summarize(t, results.get(t.id) ?? []));
    const byId = new Map(summaries.map((s) => [s.id, s]));
    const get = (id: string) => byId.get(id);
    const invalidOf = (...ids: string[]) =>
      ids.flatMap((id) => (get(id)?.invalid.length ? [`${id} invalid`] : [])).join(', ') ||
      undefined;

    const rpsRatio = (num: string, den: string) => {
      const n = get(num);
      const dd = get(den);
      return n && dd ? n.rps.median / dd.rps.median : undefined;
    };
    const fixed = (v: number | undefined, digits = 2) =>
      v === undefined ? '–' : v.toFixed(digits);
    const ratios: Ratio[] = [];
    const r1 = rpsRatio('S1', 'b');
    ratios.push({
      name: 'S1 req/s ÷ (b) bare Express req/s',
      value: r1,
      display: fixed(r1),
      target: '≥ 0.6',
      met: r1 === undefined || invalidOf('S1', 'b') ? false : r1 >= 0.6,
      note: invalidOf('S1', 'b'),
    });
    const r1b = rpsRatio('S2', 'b');
    ratios.push({
      name: 'S2 (bearer) req/s ÷ (b) bare Express req/s',
      value: r1b,
      display: fixed(r1b),
      target: '(context)',
      met: undefined,
      note: invalidOf('S2', 'b'),
    });
    const r1n = rpsRatio('c', 'b');
    ratios.push({
      name: '(c) naive req/s ÷ (b) bare Express req/s',
      value: r1n,
      display: fixed(r1n),
      target: '(context: 0.34 in the issue)',
      met: undefined,
      note: invalidOf('c', 'b'),
    });
    const r2 = e ? rpsRatio('S3', 'e') : undefined;
    ratios.push({
      name: 'S3 req/s ÷ (e) nginx proxy req/s',
      value: r2,
      display: e ? fixed(r2) : 'skipped',
      target: '≥ 0.25',
      met: e ? (r2 === undefined || invalidOf('S3', 'e') ? false : r2 >= 0.25) : undefined,
      note: e ? invalidOf('S3', 'e') : 'no nginx binary',
    });
    const s3p50 = get('S3@1')?.p50.median;
    const dp50 = get('d@1')?.p50.median;
    const r3 = s3p50 !== undefined && dp50 !== undefined ? s3p50 - dp50 : undefined;
    ratios.push({
      name: 'S3 p50 − (d) direct p50, 1 connection',
      value: r3,
      display: r3 === undefined ? '–' : `${r3 >= 0 ? '+' : ''}${r3.toFixed(3)} ms`,
      target: '≤ +0.25 ms',
      met: r3 === undefined || invalidOf('S3@1', 'd@1') ? false : r3 <= 0.25,
      note: invalidOf('S3@1', 'd@1'),
    });
    const stormOk = storm.errors === 0 && storm.non2xx === 0;
    ratios.push({
      name: `S4 refreshes per storm (${SETTINGS.stormSize} calls)`,
      value: stormRefreshes,
      display: `${stormRefreshes}, ${storm.errors} errors, ${storm.non2xx} non-2xx, p99 ${storm.p99.toFixed(1)} ms`,
      target: 'exactly 1, 0 errors',
      met: stormRefreshes === 1 && stormOk,
      note: stormOk
        ? undefined
        : `INVALID: ${JSON.stringify(storm.statusCodes)} ${storm.errorMessages.join(' / ')}`.trim(),
    });
    ratios.push({
      name: `S5 RSS growth, 2nd vs 1st ${SETTINGS.memoryRequests.toLocaleString('en-US')} requests (median of 4 readings each)`,
      value: growthPct,
      display: `${growthPct >= 0 ? '+' : ''}${growthPct.toFixed(1)} % (${(m1.rssKiB / 1024).toFixed(1)} → ${(m2.rssKiB / 1024).toFixed(1)} MiB)`,
      target: '< 5 %',
      met: memoryInvalid.length ? false : growthPct < 5,
      note: memoryInvalid.length ? `INVALID: ${memoryInvalid.join('; ')}` : undefined,
    });

    const machine = machineInfo(
      pinned,
      redisVersion,
      nginxBin ? nginxVersion(nginxBin) : undefined,
      loadAvgAtStart,
    );
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const invalidTargets = summaries.filter((s) => s.invalid.length > 0);
    const stamp = new Date()
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z');

    const settingsLine =
      `${SETTINGS.rounds} rounds interleaved, ${SETTINGS.seconds} s each after ${SETTINGS.warmupSeconds} s warm-up; ` +
      `median (min–max) of the rounds; p50/p99 are medians of each round's percentiles`;
    const memoryLine =
      `S5: fresh service RSS ${(rssStart / 1024).toFixed(1)} MiB after login, ` +
      memoryRuns
        .map(
          (m) =>
            `${(m.rssKiB / 1024).toFixed(1)} MiB after ${m.after.toLocaleString('en-US')} requests`,
        )
        .join(', ');
    const stormLine =
      `S4: ${SETTINGS.stormSize} concurrent calls on an expired LikeCoin token: ${stormRefreshes} refresh(es) at the stand-in, ` +
      `statuses ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors, p50 ${storm.p50.toFixed(1)} ms, ` +
      `p99 ${storm.p99.toFixed(1)} ms, max ${storm.max.toFixed(1)} ms, storm wall time ${storm.wallMs.toFixed(0)} ms`;
    const machineLine =
      `Node ${machine.node}, ${machine.cpuModel}, nproc ${machine.nproc}, ${machine.platform}; ` +
      `load average ${machine.loadAvg.start} at start, ${machine.loadAvg.end} at end; ` +
      `${machine.pinning}; Redis ${machine.redis}; nginx ${machine.nginx}; autocannon ${machine.autocannon}; ` +
      `git ${machine.git.commit ?? '?'}${machine.git.uncommitted?.length ? ` + uncommitted changes in ${machine.git.uncommitted.length} file(s)` : ''}`;
    const warningLines = [
      ...invalidTargets.map((s) => `INVALID ${s.label}: ${s.invalid.join('; ')}`),
      ...(stormOk
        ? []
        : [`INVALID S4: ${JSON.stringify(storm.statusCodes)}, ${storm.errors} errors`]),
      ...memoryInvalid.map((m) => `INVALID S5: ${m}`),
    ];

    const text = [
      '',
      `token-bff benchmark — ${new Date().toISOString()}`,
      machineLine,
      settingsLine,
      'Service: NODE_ENV=production, LOG_LEVEL=warn; server CPU = % of one core used by the server process(es) during the window',
      '',
      targetsText(summaries),
      '',
      stormLine,
      memoryLine,
      `main service RSS after S1–S4: ${mainServiceRssMiB.toFixed(1)} MiB`,
      '',
      ratiosText(ratios),
      ...(warningLines.length ? ['', ...warningLines] : []),
      '',
    ].join('\n');
    process.stdout.write(text);

    const resultsDir = resolve(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const jsonPath = join(resultsDir, `${stamp}.json`);
    const mdPath = join(resultsDir, `${stamp}.md`);
    writeFileSync(
      jsonPath,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          wallSeconds,
          settings: SETTINGS,
          machine,
          targets: summaries.map((s) => ({ ...s, rounds: results.get(s.id) })),
          storm: { ...storm, refreshes: stormRefreshes },
          memory: {
            requestsPerRun: SETTINGS.memoryRequests,
            rssStartKiB: rssStart,
            runs: memoryRuns,
            growthPct,
            mainServiceRssKiB: Math.round(mainServiceRssMiB * 1024),
          },
          ratios,
          invalid: warningLines,
        },
        null,
        2,
      )}\n`,
    );
    const md = [
      `# token-bff benchmark, ${new Date().toISOString()}`,
      '',
      `- Machine: ${machineLine}`,
      `- Method: ${settingsLine}`,
      '- Service: NODE_ENV=production, LOG_LEVEL=warn; "server CPU" is the % of one core used by the server process(es) during the window, "load CPU" the load generator\'s',
      `- Command: \`npm run bench\` (BENCH_SECONDS=${SETTINGS.seconds}, BENCH_WARMUP_SECONDS=${SETTINGS.warmupSeconds}, BENCH_ROUNDS=${SETTINGS.rounds}); wall time ${wallSeconds.toFixed(0)} s`,
      '',
      '## Ratios',
      '',
      ratiosMd(ratios),
      '',
      '## Targets',
      '',
      targetsMd(summaries),
      '',
      `- ${stormLine}`,
      `- ${memoryLine}`,
      `- Main service RSS after S1–S4: ${mainServiceRssMiB.toFixed(1)} MiB`,
      ...(warningLines.length ? ['', '## Invalid', '', ...warningLines.map((w) => `- ${w}`)] : []),
      '',
    ].join('\n');
    writeFileSync(mdPath, md);
    log(
      `bench: wrote ${relative(ROOT, jsonPath)} and ${relative(ROOT, mdPath)}; wall time ${wallSeconds.toFixed(0)} s`,
    );
    if (warningLines.length) process.exitCode = 2;
  } finally {
    await stopAll();
    await standIn?.close();
    await redis?.dispose();
    if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
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

/** Two load results as one (S5's chunks): counts add up, latency figures keep the worse. */
function mergeLoad(a: LoadResult, b: LoadResult): LoadResult {
  const responses = a.responses + b.responses;
  const seconds = a.seconds + b.seconds;
  const statusCodes = { ...a.statusCodes };
  for (const [code, n] of Object.entries(b.statusCodes))
    statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    ...a,
    responses,
    seconds,
    rps: responses / seconds,
    p50: Math.max(a.p50, b.p50),
    p90: Math.max(a.p90, b.p90),
    p99: Math.max(a.p99, b.p99),
    max: Math.max(a.max, b.max),
    mean: (a.mean * a.responses + b.mean * b.responses) / responses,
    statusCodes,
    non2xx: a.non2xx + b.non2xx,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    errorMessages: [...new Set([...a.errorMessages, ...b.errorMessages])].slice(0, 5),
  };
}
