import { STATUS_CODES } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { HttpProblem } from './http-problem';

/**
 * Problems as a short HTML page, for routes a browser navigates to (an OAuth callback): a person
 * looking at a JSON document has nowhere to go. Mounted per route with `browserNavigation`; the
 * error handler asks `htmlPageFor` and renders with `renderHtmlProblem`. The page says the code
 * and a plain sentence of ours, never a problem's detail (which may quote a provider), and
 * links home. It has no script and no style, so the API's `default-src 'none'` policy holds.
 */

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

export interface HtmlProblemPage {
  /** The page's title and heading, e.g. "LikeCoin sign-in did not complete". */
  readonly heading: string;
  /** Where "Start again" leads: the service's own home (PUBLIC_BASE_URL). */
  readonly home: URL;
}

const pages = new WeakMap<Request, HtmlProblemPage>();

/** Marks the requests of a browser-navigation route: their failures may be answered as `page`. */
export function browserNavigation(page: HtmlProblemPage): RequestHandler {
  return (req, res, next) => {
    pages.set(req, page);
    // Whatever the route answers may differ by Accept from here on.
    res.vary('Accept');
    next();
  };
}

/** The page to answer `req`'s failure with, or undefined for problem+json. */
export function htmlPageFor(req: Request): HtmlProblemPage | undefined {
  const page = pages.get(req);
  return page && wantsHtml(req.headers.accept) ? page : undefined;
}

const JSON_TYPES = new Set(['application/json', 'application/problem+json']);
// A header past this many entries is no browser's: its tail is not read.
const MAX_ACCEPT_ENTRIES = 32;

// Whether an Accept header names text/html with a weight no lower than any JSON type it names,
// as a browser's navigation does (`text/html,application/xhtml+xml,…,*/*;q=0.8`). `*/*` alone,
// `application/json`, or no header at all: JSON, as every API client has always had.
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const entry of accept.split(',').slice(0, MAX_ACCEPT_ENTRIES)) {
    const [type = '', ...params] = entry.split(';').map((s) => s.trim().toLowerCase());
    if (type === 'text/html') html = Math.max(html, weightOf(params));
    else if (JSON_TYPES.has(type)) json = Math.max(json, weightOf(params));
  }
  return html > 0 && html >= json;
}

/** RFC 9110 §12.4.2: `q=` from 0 to 1, 1 when absent; a malformed weight counts as 0. */
function weightOf(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  if (q === undefined) return 1;
  const value = q.slice(2);
  return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
}

// What a person can do about each problem a sign-in callback meets; any other code gets the
// sentence of its status class.
const SENTENCES: Readonly<Record<string, string>> = {
  invalid_state: 'This sign-in link has expired or was already used; start again.',
  invalid_request: 'The sign-in came back without what it needs; start again.',
  invalid_session_cookie: 'Your session was not valid and has been cleared; start again.',
  invalid_session_token: 'Your session has ended; start again.',
  rate_limited: 'Too many attempts from your network; wait a minute, then start again.',
  provider_error: 'The sign-in provider refused or failed to complete the sign-in; start again.',
  provider_timeout: 'The sign-in provider did not answer in time; start again.',
  provider_unavailable: 'The sign-in provider is unavailable just now; start again shortly.',
  store_unavailable: 'The service is briefly unavailable; start again shortly.',
};

function sentenceFor(problem: HttpProblem): string {
  return (
    SENTENCES[problem.code] ??
    (problem.status >= 500
      ? 'Something went wrong on our side; start again later.'
      : 'This request could not be completed; start again.')
  );
}

/** `problem` as a page: its heading, a sentence, the code and status, a link home. */
export function renderHtmlProblem(problem: HttpProblem, page: HtmlProblemPage): string {
  const status = `${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(page.heading)}</title>`,
    `<h1>${escapeHtml(page.heading)}</h1>`,
    `<p>${escapeHtml(sentenceFor(problem))}</p>`,
    `<p>Error code: <code>${escapeHtml(problem.code)}</code> (HTTP ${escapeHtml(status)})</p>`,
    `<p><a href="${escapeHtml(page.home.href)}">Start again</a></p>`,
    '',
  ].join('\n');
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
