// The headers a proxied call carries across token-bff, named once: src/proxy filters by them, and
// CORS (src/http/cors.ts) lets a page send and read the same ones, so the two cannot drift. They
// live here, below both, because http/ may not import proxy/.

/**
 * What a browser or an app legitimately tells a provider API about the call itself. Anything
 * else (the caller's credentials, forwarding and client-IP claims, auth-request identities, URL
 * and method overrides, Expect, names spelt with "_") is never passed on: the upstream gets our
 * Bearer token and what we ourselves know of the caller.
 */
export const HEADERS_PASSED_UPSTREAM: readonly string[] = [
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
  // W3C Trace Context: a hop that does not trace passes the caller's trace on unchanged, so the
  // provider's spans join the page's trace.
  'traceparent',
  'tracestate',
];

/**
 * What an upstream may tell the caller about its answer. Everything else (CORS, CSP, framing,
 * HSTS, cookies, caching, anything new) is the service's own to say: our headers always win.
 */
export const HEADERS_PASSED_TO_CALLER: readonly string[] = [
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
];
