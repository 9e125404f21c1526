import cors from 'cors';
import type { RequestHandler } from 'express';
import { HEADERS_PASSED_TO_CALLER, HEADERS_PASSED_UPSTREAM } from './proxied-headers';

// What a page tells the service itself: JSON, its bearer session or CSRF proof, a request id.
const OWN_REQUEST_HEADERS = ['content-type', 'authorization', 'x-csrf', 'x-request-id'];
// What the service itself says on an answer that a page acts on: which request it was, and the
// rate limits' state (RateLimit, RateLimit-Policy, and Retry-After on a 429 or 503).
const OWN_ANSWER_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after'];

/** A page may send what the proxy passes on, and read what it passes back (one list each). */
export const CORS_ALLOWED_HEADERS: readonly string[] = union(
  OWN_REQUEST_HEADERS,
  HEADERS_PASSED_UPSTREAM,
);
export const CORS_EXPOSED_HEADERS: readonly string[] = union(
  OWN_ANSWER_HEADERS,
  HEADERS_PASSED_TO_CALLER,
);

/**
 * Answers only the configured origins, exactly: the request's Origin is never reflected, and a
 * preflight from any other origin gets no Access-Control-Allow-Origin, so the browser refuses.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  return cors({
    origin: origins.length > 0 ? [...origins] : false,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: 600,
  });
}

function union(...lists: (readonly string[])[]): string[] {
  return [...new Set(lists.flat())];
}
