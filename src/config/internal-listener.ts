import type { Env } from './schema';
import type { Findings, InternalListenerConfig } from './types';

/**
 * INTERNAL_PORT, INTERNAL_HOST: a second listener for what only the operator's own network may
 * reach (/metrics, and the gateway's /auth/* answers, which carry provider tokens). Unset: none,
 * and /metrics stays on the public port.
 */
export function internalListenerFrom(e: Env, f: Findings): InternalListenerConfig | undefined {
  if (e.INTERNAL_PORT === undefined) return undefined;
  const port = Number(e.INTERNAL_PORT);
  if (!/^\d+$/.test(e.INTERNAL_PORT) || port < 1 || port > 65535) {
    f.problems.push('INTERNAL_PORT: must be a port number from 1 to 65535');
    return undefined;
  }
  if (port === e.PORT) {
    f.problems.push('INTERNAL_PORT: must differ from PORT (the internal listener is a second one)');
    return undefined;
  }
  return { port, host: e.INTERNAL_HOST };
}
