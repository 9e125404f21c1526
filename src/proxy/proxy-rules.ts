import type { Request, RequestHandler } from 'express';
import type { Limits } from '../config';
import { problems } from '../http/problems';
import { isAllowedPath, readEncodedSlashes, splitTarget, upstreamUrl } from './upstream-url';

/** The Bearer token for a call, and how to get a better one if the upstream refuses it. */
export interface BearerSource {
  token: string;
  /** Called at most once per call, after an upstream 401; resolves with a fresh token. */
  renew?: () => Promise<string>;
}

/** A call every rule let through: where it goes, and with which Bearer. */
export interface AllowedCall {
  target: URL;
  bearer: BearerSource;
}

/**
 * Every rule a proxied call of one provider meets, in one place for both ways of carrying it:
 * the in-process proxy (proxy-routes.ts) streams it itself; the gateway endpoint (src/gateway/)
 * answers a gateway's forward-auth subrequest with the Bearer and lets the gateway stream it.
 */
export interface ProxyRules {
  /** Where the proxy is mounted, as the caller sees it (e.g. /likecoin/api). */
  prefix: string;
  /** Run first, in order, after the session chain: credential and CSRF checks, per-user limit. */
  guards: RequestHandler[];
  /** Then the call itself: path safety, `*_API_PATHS`, and the Bearer (refreshed if due). */
  check(req: Request): Promise<AllowedCall>;
}

export interface ProxyRulesDeps {
  prefix: string;
  base: URL;
  limits: Pick<Limits, 'proxyTargetBytes'>;
  /** Path prefixes (under `base`) that may be forwarded; anything else is a 403. */
  allowedPaths: readonly string[];
  guards: RequestHandler[];
  bearer: (req: Request) => Promise<BearerSource>;
}

export function proxyRules(deps: ProxyRulesDeps): ProxyRules {
  return {
    prefix: deps.prefix,
    guards: deps.guards,
    check: async (req) => {
      const { rest: sent, query } = splitTarget(req.originalUrl, deps.prefix);
      const rest = readEncodedSlashes(sent);
      const target = upstreamUrl(deps.base, rest, query, deps.limits.proxyTargetBytes);
      if (!isAllowedPath(rest, deps.allowedPaths)) throw problems.pathNotAllowed();
      return { target, bearer: await deps.bearer(req) };
    },
  };
}
