import { appIdToken } from './app-tokens';
import { adminClient } from './redis-process';
import type { RedisSentinel } from './redis-sentinel';
import { call, figures, problemCode, runLoad, type Answer, type Figures } from './load';

export interface FailoverRun {
  figures: Figures;
  answers: Answer[];
  /** Answers that are neither 200 nor a 503 store_unavailable with Retry-After. */
  unexpected: Answer[];
  /** Sessions (by index) logged in before the failover that do not answer 200 after it. */
  lostSessions: number[];
  oldMasterPort: number;
  newMasterPort: number;
  /** From the sentinel's +switch-master to the first 200 sent after it (ms). */
  backAfterMs: number;
  /** 200s in a row at the end, all sent after the switch. */
  streakAfter: number;
}

export interface FailoverOptions {
  /** http://host:port of the app (or a balancer in front of it). */
  url: string;
  sentinel: RedisSentinel;
  /** The app's key prefix, for the replication marker (removed with the app's keys). */
  keyPrefix: string;
  sessions?: number;
  concurrency?: number;
  maxRequests?: number;
  maxMs?: number;
  /** Pause between one loop's requests, so the load spans the switch (ms). */
  paceMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function loginBearer(url: string, sub: string): Promise<string> {
  const res = await call(`${url}/session`, {
    method: 'POST',
    body: JSON.stringify({ id_token: appIdToken({ sub }) }),
  });
  if (res.status !== 200) throw new Error(`login of ${sub}: ${res.status} ${res.body}`);
  return (JSON.parse(res.body) as { session_token: string }).session_token;
}

const tokenCall = (url: string, bearer: string) =>
  call(`${url}/livelike/token`, { headers: { authorization: `Bearer ${bearer}` }, fresh: false });

/** 200, or the answer the contract promises while the store is away. */
export function isAllowedDuringOutage(a: Answer): boolean {
  if (a.status === 200) return true;
  return (
    a.status === 503 &&
    problemCode(a) === 'store_unavailable' &&
    a.headers['retry-after'] !== undefined
  );
}

/**
 * Logs `sessions` users in, makes sure the replica has their sessions, then loads
 * GET /livelike/token over them while the sentinel promotes the replica; afterwards asks every
 * session again. Bounded by maxRequests and maxMs; stops early once 100 answers in a row after
 * the switch were 200.
 */
export async function failoverUnderLoad(options: FailoverOptions): Promise<FailoverRun> {
  const { url, sentinel } = options;
  const bearers: string[] = [];
  for (let i = 0; i < (options.sessions ?? 20); i++)
    bearers.push(await loginBearer(url, `failover-user-${i}`));

  // Replication is in order: once the replica acknowledges a write made after the logins, it
  // has the sessions too, and the promotion cannot lose them.
  const oldMaster = await sentinel.master();
  const admin = await adminClient(oldMaster.port);
  try {
    await admin.set(`${options.keyPrefix}replicated-marker`, '1', 'PX', 60_000);
    const acked = Number(await admin.call('WAIT', 1, 1000));
    if (acked !== 1) throw new Error(`the replica did not acknowledge the logins (${acked})`);
  } finally {
    admin.disconnect();
  }

  let switchedAt = Number.POSITIVE_INFINITY;
  let streak = 0;
  let warm!: () => void;
  const warmedUp = new Promise<void>((resolve) => (warm = resolve));
  let sent = 0;
  const load = runLoad({
    concurrency: options.concurrency ?? 4,
    maxRequests: options.maxRequests ?? 3_000,
    maxMs: options.maxMs ?? 15_000,
    until: () => streak >= 100,
    send: async (i) => {
      const answer = await tokenCall(url, bearers[i % bearers.length]!);
      if (++sent === 50) warm();
      if (answer.startedAt >= switchedAt) streak = answer.status === 200 ? streak + 1 : 0;
      await sleep(options.paceMs ?? 8);
      return answer;
    },
  });
  // A load that ends before warming up (every bound reached) must not leave this waiting.
  await Promise.race([warmedUp, load]);
  const newMaster = await sentinel.failover();
  switchedAt = Date.now();
  const answers = await load;

  const firstBack = answers
    .filter((a) => a.startedAt >= switchedAt && a.status === 200)
    .sort((a, b) => a.startedAt - b.startedAt)[0];
  const lostSessions: number[] = [];
  for (const [i, bearer] of bearers.entries())
    if ((await tokenCall(url, bearer)).status !== 200) lostSessions.push(i);

  return {
    figures: figures(answers),
    answers,
    unexpected: answers.filter((a) => !isAllowedDuringOutage(a)),
    lostSessions,
    oldMasterPort: oldMaster.port,
    newMasterPort: newMaster.port,
    backAfterMs: firstBack ? firstBack.startedAt - switchedAt : Number.POSITIVE_INFINITY,
    streakAfter: streak,
  };
}
