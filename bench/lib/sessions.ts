/**
 * Many users: sessions made before the timed runs (with bounded concurrency), so that the load
 * rotates over them and no per-user cache decides a figure.
 */
import { performance } from 'node:perf_hooks';
import type { LikeCoinStandIn } from '../../test/support/harness';
import { connectLikeCoin, login, type Login, type Service } from './service';
import { log } from './settings';

const CONCURRENCY = 16;

/** fn(0) … fn(count − 1), at most `concurrency` at a time, stopping early at `deadline`. */
export async function mapLimit<T>(
  count: number,
  fn: (i: number) => Promise<T>,
  opts: { concurrency?: number; deadline?: number } = {},
): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() < (opts.deadline ?? Infinity)) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? CONCURRENCY }, worker));
  return out.filter((v) => v !== undefined);
}

/** `count` service sessions (POST /session), users `${prefix}0` … */
export async function loginMany(
  service: Service,
  appJwtSecret: string,
  count: number,
  prefix: string,
): Promise<Login[]> {
  const t0 = performance.now();
  const logins = await mapLimit(count, (i) => login(service, appJwtSecret, `${prefix}${i}`));
  log(
    `bench: ${count} sessions for ${prefix}* in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return logins;
}

/**
 * Sessions connected to LikeCoin, Liker users spread round-robin over `likers`: as many of
 * `count` as the flows complete within `budgetSec` (each flow is four calls to the service).
 */
export async function connectMany(
  service: Service,
  appJwtSecret: string,
  standIn: LikeCoinStandIn,
  opts: { count: number; likers: number; budgetSec: number },
): Promise<string[]> {
  const t0 = performance.now();
  const tokens = await mapLimit(
    opts.count,
    async (i) => {
      const { sessionToken } = await login(service, appJwtSecret, `bench-proxy-user-${i}`);
      return connectLikeCoin(service, sessionToken, {
        standIn,
        liker: `bench-liker-${i % opts.likers}`,
      });
    },
    { deadline: t0 + opts.budgetSec * 1000 },
  );
  const likers = Math.min(tokens.length, opts.likers);
  log(
    `bench: ${tokens.length} LikeCoin-connected sessions (${likers} Liker users) in ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return tokens;
}

/** An express-session login at a baseline (POST /login): the "connect.sid=…" cookie. */
export async function expressLogin(port: number, user: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  const cookie = res.headers
    .getSetCookie()
    .find((s) => s.startsWith('connect.sid='))
    ?.split(';')[0];
  if (!res.ok || !cookie)
    throw new Error(`POST :${port}/login answered ${res.status} without a cookie`);
  return cookie;
}

export async function expressLoginMany(
  port: number,
  count: number,
  prefix: string,
): Promise<string[]> {
  const t0 = performance.now();
  const cookies = await mapLimit(count, (i) => expressLogin(port, `${prefix}${i}`));
  log(
    `bench: ${count} sessions for ${prefix}* in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return cookies;
}
