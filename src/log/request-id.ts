import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Printable, log-safe and short: anything else is replaced, never echoed.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Keeps a caller's X-Request-Id when it is sane, else makes a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
