import type { Request, Response } from 'express';
import onHeaders from 'on-headers';
import type { SessionConfig } from '../config';
import { isLive } from './session-data';

/** At most one warning line per this interval: it names a setting, it must not flood the log. */
export const INSECURE_COOKIE_WARNING_INTERVAL_MS = 5 * 60_000;

export interface InsecureRequestFacts {
  /** The X-Forwarded-Proto header as received, if any. */
  forwardedProto: string | undefined;
  /** Express's `trust proxy` as configured (TRUST_PROXY); undefined or false: none. */
  trustProxy: unknown;
  /** The address the request came from (the proxy's, when there is one). */
  peer: string | undefined;
}

/**
 * What an operator should change when a Secure session cookie could not be set because the
 * request did not arrive over HTTPS as Express sees it. Pure, one sentence per situation.
 */
export function insecureCookieAdvice(facts: InsecureRequestFacts): string {
  const base =
    'a new session got no cookie: PUBLIC_BASE_URL is https, so its cookie is Secure, and this request did not arrive over HTTPS';
  const proxied = facts.forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
  const trusting = facts.trustProxy !== undefined && facts.trustProxy !== false;
  if (proxied && !trusting)
    return `${base}; a proxy sent X-Forwarded-Proto: https, which counts only from a proxy TRUST_PROXY names: set TRUST_PROXY to that proxy (its address, subnet or hop count)`;
  if (proxied)
    return `${base}; a proxy at ${facts.peer ?? 'an unknown address'} sent X-Forwarded-Proto: https, but TRUST_PROXY (${String(facts.trustProxy)}) does not cover it: add it to TRUST_PROXY`;
  if (trusting)
    return `${base}; TRUST_PROXY is set, but no X-Forwarded-Proto: https came with it: make the TLS-terminating proxy send it (nginx: proxy_set_header X-Forwarded-Proto $scheme)`;
  return `${base}; it came over plain HTTP with no proxy in between: serve HTTPS (TLS_CERT_FILE and TLS_KEY_FILE), or put a TLS-terminating proxy in front and set TRUST_PROXY to it`;
}

/**
 * Installs, per request, the check that logs (at most once per interval) a session cookie that
 * express-session silently left out because the request was not secure. It must be installed
 * before express-session: header listeners run last-installed first, so this one sees the
 * answer's headers after express-session has decided.
 */
export function insecureCookieWarning(
  config: SessionConfig,
  now: () => number = Date.now,
  intervalMs: number = INSECURE_COOKIE_WARNING_INTERVAL_MS,
): (req: Request, res: Response, credentialSessionId: string) => void {
  let lastWarnedAt = -Infinity;
  return (req, res, credentialSessionId) => {
    if (!config.secureCookie || req.secure) return;
    onHeaders(res, () => {
      // A live session under an id the client does not hold yet: its cookie was due.
      const due = isLive(req) && req.sessionID !== credentialSessionId;
      if (!due || setsCookie(res, config.cookieName)) return;
      const t = now();
      if (t - lastWarnedAt < intervalMs) return;
      lastWarnedAt = t;
      req.log.warn(
        insecureCookieAdvice({
          forwardedProto: headerValue(req.headers['x-forwarded-proto']),
          trustProxy: req.app.get('trust proxy') as unknown,
          peer: req.socket.remoteAddress,
        }),
      );
    });
  };
}

function setsCookie(res: Response, name: string): boolean {
  const header = res.getHeader('Set-Cookie');
  const all = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  return all.some((c) => c.startsWith(`${name}=`));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
