import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// RFC 9110 §7.6.1: meant for one connection only, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

// The caller's credentials and claims about the network are never passed on: the upstream gets
// our Bearer token and what we ourselves know of the caller.
const CALLER_ONLY = new Set([
  'cookie',
  'authorization',
  'host',
  'forwarded',
  'x-csrf',
  'x-request-id',
]);

function namedInConnection(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  return new Set(
    (value ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

export interface ForwardContext {
  bearer: string;
  clientIp: string;
  protocol: string;
  requestId: string;
}

/** Request headers for the upstream, from the caller's. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  ctx: ForwardContext,
): Record<string, string> {
  const dropped = namedInConnection(incoming);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || CALLER_ONLY.has(name) || dropped.has(name)) continue;
    if (name.startsWith('proxy-') || name.startsWith('x-forwarded-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out.authorization = `Bearer ${ctx.bearer}`;
  out['x-forwarded-for'] = ctx.clientIp;
  out['x-forwarded-proto'] = ctx.protocol;
  out['x-request-id'] = ctx.requestId;
  return out;
}

// What an upstream may tell the caller about its answer. Everything else (CORS, CSP, framing,
// HSTS, cookies, caching, anything new) is the service's own to say: our headers always win.
const PASSED_TO_CALLER = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'content-disposition',
  'accept-ranges',
  'etag',
  'last-modified',
  'retry-after',
  'location',
  'www-authenticate',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
]);

/** Response headers for the caller, from the upstream's: only those that describe the answer. */
export function callerResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const dropped = namedInConnection(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || !PASSED_TO_CALLER.has(name) || dropped.has(name)) continue;
    out[name] = value;
  }
  return out;
}
