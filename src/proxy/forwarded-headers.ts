import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { HEADERS_PASSED_TO_CALLER, HEADERS_PASSED_UPSTREAM } from '../http/proxied-headers';

// The allowlists are shared with CORS (src/http/proxied-headers.ts says what each admits, and why).
const PASSED_UPSTREAM = new Set(HEADERS_PASSED_UPSTREAM);

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

const PASSED_TO_CALLER = new Set(HEADERS_PASSED_TO_CALLER);

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
