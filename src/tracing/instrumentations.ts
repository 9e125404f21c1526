import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation, type UndiciRequest } from '@opentelemetry/instrumentation-undici';
import type { Request } from 'express';
import { redactUrl } from '../log/redact-url';
import { routeLabel, UNMATCHED_ROUTE } from '../ops/route-labels';

// Probes and scrapes come every few seconds from the platform, not from a user: a span each
// would be most of what is exported and tell nothing.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// The caller's trace context, which the proxy passes on when the service does not trace. With
// tracing on, the upstream must see the service's own span as its parent instead: the caller's
// header would go out beside the one injected here, and an upstream reads either.
const TRACE_CONTEXT_HEADERS = new Set(['traceparent', 'tracestate']);

/** The query as the logs show it: every value outside a small allow-list censored. */
function redactedQuery(search: string): string {
  return search === '' ? '' : redactUrl(`?${search.replace(/^\?/, '')}`).slice(1);
}

/**
 * Incoming requests: a server span per request, continuing the caller's W3C `traceparent`,
 * named by the declared route that answered (the same label as the metrics: never the path a
 * client typed, which would make a name per session id or typo). Only the default attributes
 * (no header is captured), the query censored as in the logs (a callback carries the code).
 * Outgoing node:http calls are not traced: the service calls out through undici only, and the
 * exporter's own calls must not become spans.
 */
function httpInstrumentation(): HttpInstrumentation {
  return new HttpInstrumentation({
    disableOutgoingRequestInstrumentation: true,
    ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
    startIncomingSpanHook: (req) => {
      const q = (req.url ?? '').indexOf('?');
      return q === -1 ? {} : { 'url.query': redactedQuery((req.url ?? '').slice(q + 1)) };
    },
    applyCustomAttributesOnSpan: (span: Span, req) => nameByRoute(span, req as IncomingMessage),
  });
}

/**
 * Express has made the raw request its own `req`: the route that answered is on it. A mount
 * that answers with no route of its own (the proxy under /<provider>/api) is named by its mount
 * path and `/*`, lower-cased as Express matches it, so a client's spelling makes no new name.
 */
function nameByRoute(span: Span, req: IncomingMessage): void {
  const expressReq = req as Partial<Request>;
  if (!expressReq.app || req.method === undefined) return;
  let route = routeLabel(expressReq as Request);
  if (route === UNMATCHED_ROUTE && expressReq.baseUrl)
    route = `${expressReq.baseUrl.toLowerCase()}/*`;
  span.setAttribute('http.route', route);
  span.updateName(`${req.method} ${route}`);
}

/**
 * Outgoing calls (the token endpoint, the proxied upstream, the doctor's checks): a client
 * span each, with the service's span context injected as `traceparent`. The URL is censored as
 * in the logs; no header is captured.
 */
function undiciInstrumentation(): UndiciInstrumentation {
  return new UndiciInstrumentation({
    startSpanHook: (request) => {
      const url = `${request.origin}${request.path}`;
      const q = request.path.indexOf('?');
      return {
        'url.full': redactUrl(url),
        'url.query': q === -1 ? '' : redactedQuery(request.path.slice(q + 1)),
      };
    },
    requestHook: (_span, request) => dropCallerTraceContext(request),
  });
}

/** Removes the caller's traceparent/tracestate before the instrumentation injects ours. */
function dropCallerTraceContext(request: UndiciRequest): void {
  const { headers } = request;
  if (Array.isArray(headers)) {
    const kept: typeof headers = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = String(headers[i]).toLowerCase();
      if (!TRACE_CONTEXT_HEADERS.has(name)) kept.push(headers[i]!, headers[i + 1]!);
    }
    headers.splice(0, headers.length, ...kept);
  } else if (typeof headers === 'string') {
    request.headers = headers
      .split('\r\n')
      .filter(
        (line) => !TRACE_CONTEXT_HEADERS.has(line.slice(0, line.indexOf(':')).trim().toLowerCase()),
      )
      .join('\r\n');
  }
}

export function instrumentations() {
  return [httpInstrumentation(), undiciInstrumentation()];
}
