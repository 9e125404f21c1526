/**
 * What a token endpoint's status means for the grant the call was about:
 * - answer: a success to read;
 * - refused: the code or refresh token is dead, so the grant is (forget it);
 * - misconfigured: our client is refused, or the endpoint is not one: ours to fix, the grant is
 *   fine (keep it, tell the operator);
 * - unavailable: no verdict at all (a rate limit, a slow request, an outage): keep the grant and
 *   let a later call try again.
 */
export type TokenVerdict = 'answer' | 'refused' | 'misconfigured' | 'unavailable';

// RFC 6749 §5.2: the two error codes about the client rather than the grant.
const RFC_CLIENT_ERRORS: readonly string[] = ['invalid_client', 'unauthorized_client'];

/**
 * The one refusal policy, for every provider and both calls. How a provider refuses a dead
 * token (which status, which body) is often not documented, so every 4xx but 408 and 429 counts
 * as a refusal: a verdict we cannot recognise must not leave a grant answering "try later" for
 * ever. Only a body naming our own client keeps the grant, since then no grant is at fault.
 */
export function verdictOf(
  status: number,
  providerCode: string | undefined,
  clientErrorCodes: readonly string[],
): TokenVerdict {
  if (status >= 200 && status < 300) return 'answer';
  if (status === 408 || status === 429 || status >= 500) return 'unavailable';
  if (status >= 400) {
    const ours =
      providerCode !== undefined &&
      (RFC_CLIENT_ERRORS.includes(providerCode) || clientErrorCodes.includes(providerCode));
    return ours ? 'misconfigured' : 'refused';
  }
  // A redirect (never followed): the configured URL is not the token endpoint itself.
  return 'misconfigured';
}
