import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { RateLimitsConfig } from '../config';
import { keys } from '../store/keys';
import type { Kv } from '../store/kv';
import { KvRateLimitStore } from './kv-rate-limit-store';
import { problems } from './problems';

/** The per-IP limiters of one OAuth provider's flow routes, each with a budget of its own. */
export interface OAuthFlowLimiters {
  authorize: RequestHandler;
  callback: RequestHandler;
  complete: RequestHandler;
}

/**
 * Every rate limit of the service, built from config. Each limiter is mounted in front of its
 * route's work, so a request over the limit gets 429 rate_limited and nothing else happens.
 */
export interface RateLimiters {
  /** POST /session, per client IP. */
  login: RequestHandler;
  oauthFlow(provider: string): OAuthFlowLimiters;
  /** /livelike/token, per session user. */
  liveLikeToken: RequestHandler;
  /** Proxied calls under /<name>/api, per session user. */
  proxy(name: string): RequestHandler;
  /** Any other per-client-IP limit, `limit` requests a window (0: off). */
  perIp(name: string, limit: number): RequestHandler;
  /** Counts one token-endpoint refresh of `grantId`; throws 429 rate_limited once over. */
  countRefresh(grantId: string): Promise<void>;
}

export interface RateLimitDeps {
  config: RateLimitsConfig;
  kv: Kv;
  logger: Logger;
  windowMs: number;
  now: () => number;
  /** Clients of one limit holding a lease of hits at once. */
  maxLeases: number;
  /** The user a per-user limit counts against; a request without one is not counted. */
  userOf: (req: Request) => string | undefined;
}

type Subject = 'ip' | 'user';

const pass: RequestHandler = (_req, _res, next) => next();

export function createRateLimiters(deps: RateLimitDeps): RateLimiters {
  const { config } = deps;
  const limiter = (name: string, limit: number, subject: Subject) =>
    limit === 0 ? pass : rateLimiter(deps, name, limit, subject);
  return {
    login: limiter('login', config.loginPerIp, 'ip'),
    oauthFlow: (provider) => ({
      authorize: limiter(`${provider}-authorize`, config.oauthPerIp, 'ip'),
      callback: limiter(`${provider}-callback`, config.oauthPerIp, 'ip'),
      complete: limiter(`${provider}-complete`, config.oauthPerIp, 'ip'),
    }),
    liveLikeToken: limiter('livelike-token', config.liveLikeTokenPerUser, 'user'),
    proxy: (name) => limiter(`${name}-api`, config.proxyPerUser, 'user'),
    perIp: (name, limit) => limiter(name, limit, 'ip'),
    countRefresh: counter(deps, 'refresh', config.refreshPerGrant),
  };
}

/**
 * One express-rate-limit limiter on the shared store. Per IP it keys on `req.ip` (which follows
 * TRUST_PROXY; IPv6 clients by /56, express-rate-limit's default); per user on the session's
 * user, and a request without one is not counted (its route answers 401 anyway).
 */
function rateLimiter(
  { kv, logger, windowMs, now, maxLeases, userOf }: RateLimitDeps,
  name: string,
  limit: number,
  subject: Subject,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    // `RateLimit` and `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-08), with the
    // limit's name as the policy name; `Retry-After` on a 429.
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    store: new KvRateLimitStore(kv, { name, limit, windowMs, now, maxLeases }),
    // A store outage reaches the error handler (503 store_unavailable): it never opens a limit.
    passOnStoreError: false,
    ...(subject === 'user' && {
      keyGenerator: (req: Request) => userOf(req) ?? '',
      skip: (req: Request) => userOf(req) === undefined,
    }),
    handler: (_req, res, next) => {
      next(problems.rateLimited(Number(res.getHeader('Retry-After')) || windowMs / 1000));
    },
    // Its configuration checks report through our log, not the console.
    logger: {
      warn: (err: unknown, msg?: string) => logger.warn({ err, limit: name }, msg ?? 'rate limit'),
      error: (err: unknown, msg?: string) =>
        logger.error({ err, limit: name }, msg ?? 'rate limit'),
    },
  });
}

/** A limit outside HTTP middleware (refreshes happen deep inside a proxied call). */
function counter(
  { kv, windowMs, now }: RateLimitDeps,
  name: string,
  limit: number,
): (subject: string) => Promise<void> {
  if (limit === 0) return async () => {};
  return async (subject) => {
    const { hits, resetAt } = await kv.increment(keys.rateLimit(name, subject), windowMs, now());
    if (hits > limit) throw problems.rateLimited(Math.max(1, Math.ceil((resetAt - now()) / 1000)));
  };
}
