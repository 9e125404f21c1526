import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// What a browser or an app legitimately tells a provider API about the call itself. Anything
// else (the caller's credentials, forwarding and client-IP claims, auth-request identities, URL
// and method overrides, Expect, names spelt with "_") is never passed on: the upstream gets our
// Bearer token and what we ourselves know of the caller.
const PASSED_UPSTREAM = new Set([
  'accept',
  'accept-language',
  'accept-encoding',
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'user-agent',
  'cache-control',
  'pragma',
  'idempotency-key',
]);

// RFC 9110 §7.6.1: a header named in Connection is meant for that one hop, whatever its name.
function namedInConnection(headers: IncomingHttpHeaders): Set<string> {
  // undici hands a repeated header over as an array.
  const value: unknown = headers.connection;
  const listed = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  return new Set(
    listed
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
  // First, so an upstream that keeps only its first N headers still sees our credential.
  const out: Record<string, string> = { authorization: `Bearer ${ctx.bearer}` };
  for (const [raw, value] of Object.entries(incoming)) {
    // Names spelt otherwise ("X_Real_IP", "content_type") are simply not on the list.
    const name = raw.toLowerCase();
    if (value === undefined || !PASSED_UPSTREAM.has(name) || dropped.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
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
