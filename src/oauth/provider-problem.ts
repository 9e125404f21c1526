import { problems } from '../http/problems';
import type { OAuthProvider } from './provider';
import { ProviderError } from './token-endpoint-client';

/** The token-endpoint call that failed. */
export type TokenCall = { kind: 'exchange' } | { kind: 'refresh'; retryAfterSeconds: number };

/**
 * The one mapping from a failed token-endpoint call to our answer, for the code exchange and the
 * refresh alike. They differ only where the caller can act on it: a refused refresh asks for a
 * new connection (the refresher forgets the grant first), and a refresh the provider could not
 * serve may be tried again, while a code, spent by its one attempt, cannot: that is a 502.
 * Anything but a ProviderError is returned as it is.
 */
export function providerProblem(provider: OAuthProvider, err: unknown, call: TokenCall): unknown {
  if (!(err instanceof ProviderError)) return err;
  const doing = call.kind === 'exchange' ? 'exchange the authorization code' : 'refresh the grant';
  if (err.kind === 'timeout') return problems.providerTimeout(provider, doing);
  if (call.kind === 'refresh') {
    if (err.kind === 'refused') return problems.reauthorizationRequired(provider);
    if (err.kind === 'unavailable') {
      return problems.providerUnavailable(provider, doing, call.retryAfterSeconds);
    }
  }
  return problems.providerError(provider, doing, err.providerCode);
}
