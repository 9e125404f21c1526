/**
 * `npm run profile -- s2` (or s1, s3, s6): the service under `node --cpu-prof` while autocannon
 * drives one scenario over many sessions, then the profile's heaviest functions and packages by
 * self time, over the samples taken while the load ran. Profile before optimising; the
 * .cpuprofile (bench/results/profiles/) opens in Chrome DevTools. BENCH_PROFILE_CONNECTIONS=1
 * profiles the one-connection latency case instead of 50 connections.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { ROOT, stopAll, stopChild } from './lib/procs';
import { connectMany, loginMany } from './lib/sessions';
import { startService, VIA_HTTPS } from './lib/service';
import { startShared } from './lib/shared';

const scenario = process.argv[2] ?? 's2';
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 50);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the system's monotonic clock (what process.hrtime reads, in every process). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the monotonic clock the profile's timestamps use, in microseconds. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const { shared, stop } = await startShared();
  const dir = resolve(ROOT, 'bench/results/profiles', `${scenario}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  try {
    await stopChild(shared.service.child, 12_000);
    const service = await startService('token-bff (profiled)', shared.env, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
    ]);
    const headers = await headerSets(scenario, service, shared);
    const path = scenario === 's3' ? '/likecoin/api/users/profile' : '/livelike/token';
    const url =
      scenario === 's6' ? `${service.internalUrl}/auth/likecoin` : `${service.url}${path}`;
    let next = 0;
    const redis = new Redis(shared.redisUrl, { maxRetriesPerRequest: 1 });
    const before = commandCounts(await redis.info('commandstats'));
    const window = { from: monotonicMicros(), to: 0 };
    const result = await new Promise<autocannon.Result>((done, fail) =>
      autocannon(
        {
          url,
          connections: CONNECTIONS,
          duration: SECONDS,
          requests: [
            {
              setupRequest: (req) => {
                req.headers = { ...req.headers, ...headers[next++ % headers.length] };
                return req;
              },
            },
          ],
        },
        (err, r) => (err ? fail(err) : done(r)),
      ),
    );
    window.to = monotonicMicros();
    const after = commandCounts(await redis.info('commandstats'));
    redis.disconnect();
    console.log(
      `${scenario}: ${Math.round(result.requests.average)} req/s, non-2xx ${result.non2xx}`,
    );
    // What a request costs the store: each command's count over the load, per request.
    const perRequest = [...after]
      .map(([cmd, n]) => [cmd, (n - (before.get(cmd) ?? 0)) / result.requests.total] as const)
      .filter(([cmd, n]) => n > 0.001 && cmd !== 'info')
      .map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`);
    console.log(`store commands per request: ${perRequest.join(', ') || 'none'}`);
    await stopChild(service.child, 12_000);
    report(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) ?? ''), window);
  } finally {
    // The upstream baseline is a child too: left running, it kept this process alive.
    await stopAll();
    await stop();
  }
}

async function headerSets(
  name: string,
  service: Awaited<ReturnType<typeof startService>>,
  shared: Awaited<ReturnType<typeof startShared>>['shared'],
): Promise<Record<string, string>[]> {
  if (name === 's3' || name === 's6') {
    const tokens = await connectMany(service, shared.appJwtSecret, shared.standIn, {
      count: Math.min(SESSIONS, 1000),
      likers: 1000,
      budgetSec: 30,
    });
    // What nginx's auth_request adds to the caller's own headers (deploy/nginx).
    const original: Record<string, string> =
      name === 's6'
        ? { 'X-Original-Method': 'GET', 'X-Original-URI': '/likecoin/api/users/profile' }
        : {};
    return tokens.map((t) => ({ Authorization: `Bearer ${t}`, ...original }));
  }
  const logins = await loginMany(service, shared.appJwtSecret, SESSIONS, `profile-${name}-`);
  return logins.map((l): Record<string, string> =>
    name === 's1'
      ? { Cookie: l.cookie, 'X-CSRF': '1', ...VIA_HTTPS }
      : { Authorization: `Bearer ${l.sessionToken}` },
  );
}

/**
 * Samples per profile node, counting only those taken while the load ran: the logins (and for
 * S3 the OAuth flows) before it and the shutdown after it are not what the scenario costs. When
 * the window and the profile share no time (another clock), every sample counts.
 */
function hitsInWindow(profile: CpuProfile, window: { from: number; to: number }) {
  const hits = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= window.from && t <= window.to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  if (hits.size > 0) return { hits, note: 'while the load ran' };
  for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  return { hits, note: 'the whole process (the load window was not found in the profile)' };
}

/** `INFO commandstats` as command → calls. */
function commandCounts(info: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(m[1]!, Number(m[2]));
  return counts;
}

/** Self time by function and by package, the top of each. */
function report(file: string, window: { from: number; to: number }): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { hits: hitsOf, note } = hitsInWindow(profile, window);
  const total = [...hitsOf.values()].reduce((n, h) => n + h, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.startsWith('dist/')
        ? 'token-bff (dist/)'
        : where.startsWith('node:')
          ? 'node core'
          : functionName.startsWith('(')
            ? functionName
            : where === ''
              ? 'native (no script: socket writes and the like)'
              : 'other');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const byOwner = ownerTime(profile, hitsOf);
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  console.log(`\nprofile: ${file}\nsamples: ${total}, ${note}`);
  console.log(`\nself time by package:\n${top(byPackage, 15)}`);
  console.log(`\nself time by function:\n${top(byFunction, 30)}`);
  console.log(
    `\ntime by owner (node core and native time charged to their caller):\n${top(byOwner, 25)}`,
  );
}

/** The package or dist/ file a script URL belongs to, or undefined for node core and native. */
function ownerOf(url: string): string | undefined {
  if (url.includes('/node_modules/')) return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : undefined;
}

/**
 * Each sample charged to the innermost frame of the app or a package on its stack, so the HTTP
 * writes, hashing and timers a middleware causes count as that middleware's; samples with no
 * such frame (the HTTP parser, socket reads, GC) keep their own name.
 */
function ownerTime(profile: CpuProfile, hitsOf: Map<number, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const owners = new Map<string, number>();
  for (const [id, hits] of hitsOf) {
    let owner: string | undefined;
    for (let at: number | undefined = id; at !== undefined && !owner; at = parentOf.get(at)) {
      owner = ownerOf(byId.get(at)?.callFrame.url ?? '');
    }
    const name = byId.get(id)?.callFrame.functionName ?? '';
    owner ??= name.startsWith('(') ? name : 'node core, no app frame (HTTP parser, sockets)';
    owners.set(owner, (owners.get(owner) ?? 0) + hits);
  }
  return owners;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
