import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a navigation (a GET no CSRF header can come with) that changes state started on one of
 * `ownOrigins`: the service's pages and the app's. A foreign page can send a browser to any URL,
 * so a link there must not sign anyone out.
 *
 * `Sec-Fetch-Site` (every current browser) says where it started: `same-origin`, or `none` for an
 * address typed or bookmarked, is ours. From another origin, even of the same site (a sibling
 * subdomain, another port), the `Referer` must name one of ours; without one we cannot tell, so
 * the answer is no. Without `Sec-Fetch-Site` (a client that is not a browser, or an old one),
 * a `Referer` that names a foreign origin is still refused.
 */
export function navigationFromOwnPages(
  headers: IncomingHttpHeaders,
  ownOrigins: ReadonlySet<string>,
): boolean {
  const site = headers['sec-fetch-site'];
  const referer = refererOrigin(headers.referer);
  if (site === undefined) return referer === undefined || ownOrigins.has(referer);
  if (site === 'same-origin' || site === 'none') return true;
  return referer !== undefined && ownOrigins.has(referer);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    const { origin } = new URL(referer);
    // "null" (an opaque origin: data:, a sandboxed frame) is nobody's page.
    return origin === 'null' ? '' : origin;
  } catch {
    return '';
  }
}
