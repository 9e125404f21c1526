import { problems } from '../http/problems';

// Anything that could walk out of the upstream base, or mean different things to us and to the
// upstream: dot segments (raw or encoded, any case), encoded slashes and backslashes, raw
// backslashes, empty segments ("//host"), and control characters raw or encoded.
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
const ENCODED_SEPARATOR = /%(2f|5c)/i;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f]|%(0[0-9a-f]|1[0-9a-f]|7f)/i;
// Path parameters (";", raw or encoded) mean different things to different servers (Tomcat,
// Spring and some gateways strip them before routing), and "%25" before an encoded dot, slash or
// backslash is a double encoding that a second decoder turns into the very thing refused above.
const PATH_PARAMETER = /;|%3b/i;
const DOUBLE_ENCODED = /%25(2e|2f|5c)/i;

/**
 * The upstream URL for a proxied call: the configured base, the path after our prefix and the
 * query string, nothing else. `rest` is the raw (still percent-encoded) path after the prefix.
 */
export function upstreamUrl(base: URL, rest: string, query: string, maxLength = 8 * 1024): URL {
  const refuse = () => problems.invalidPath();
  if (rest.length + query.length > maxLength) throw refuse();
  if (!rest.startsWith('/') || rest.includes('//') || rest.includes('\\')) throw refuse();
  if (
    DOT_SEGMENT.test(rest) ||
    ENCODED_SEPARATOR.test(rest) ||
    PATH_PARAMETER.test(rest) ||
    DOUBLE_ENCODED.test(rest) ||
    CONTROL.test(rest) ||
    CONTROL.test(query)
  ) {
    throw refuse();
  }
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${rest}`;
  url.search = query;
  // Belt and braces: whatever the URL parser made of it must still sit under the base.
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/+$/, '')))
    throw refuse();
  return url;
}

/**
 * `rest` with every `%2F` read as the `/` it encodes, and nothing else decoded. Generated OpenAPI
 * clients (openapi-fetch and the like) percent-encode each `/` of the documented `{path}`
 * parameter; reading it back before any check means the checks, the allowlist and the upstream
 * all see one and the same path, so `%2F..%2F` is a dot segment and `%2F%2F` an empty one, both
 * refused by upstreamUrl like their plain spellings. `%5C`, `%2E` and `%252F` keep their refusals.
 */
export function readEncodedSlashes(rest: string): string {
  // The boundary after our prefix must be a real "/": `/likecoin/api%2Fx` is not under it.
  return rest.startsWith('/') ? rest.replace(/%2f/gi, '/') : rest;
}

/** Splits a raw origin-form request target after `prefix` into path and query. */
export function splitTarget(originalUrl: string, prefix: string): { rest: string; query: string } {
  const q = originalUrl.indexOf('?');
  const path = q === -1 ? originalUrl : originalUrl.slice(0, q);
  return { rest: path.slice(prefix.length), query: q === -1 ? '' : originalUrl.slice(q) };
}

/**
 * Whether `rest` (the raw path after the proxy's prefix) lies under one of `prefixes`: `/users`
 * allows `/users` and `/users/…`, never `/users-admin`. Compared as sent, so an encoded spelling
 * of an allowed path is refused rather than guessed at.
 */
export function isAllowedPath(rest: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => {
    if (prefix === '/') return true;
    const base = prefix.replace(/\/+$/, '');
    return rest === base || rest.startsWith(`${base}/`);
  });
}
