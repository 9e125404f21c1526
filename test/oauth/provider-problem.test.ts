import { HttpProblem } from '../../src/http/http-problem';
import { providerProblem, type TokenCall } from '../../src/oauth/provider-problem';
import type { OAuthProvider } from '../../src/oauth/provider';
import { ProviderError, type ProviderFailure } from '../../src/oauth/token-endpoint-client';

// The mapping reads only the provider's names.
const provider = { name: 'acme', label: 'Acme' } as OAuthProvider;
const EXCHANGE: TokenCall = { kind: 'exchange' };
const REFRESH: TokenCall = { kind: 'refresh', retryAfterSeconds: 7 };

const answer = (failure: ProviderFailure, call: TokenCall, providerCode?: string) => {
  const problem = providerProblem(provider, new ProviderError(failure, providerCode), call);
  expect(problem).toBeInstanceOf(HttpProblem);
  const { status, code, headers, detail } = problem as HttpProblem;
  return { status, code, headers, detail };
};

describe('providerProblem: one mapping for the exchange and the refresh', () => {
  it.each<[ProviderFailure, number, string, number, string]>([
    ['refused', 502, 'provider_error', 401, 'acme_reauthorization_required'],
    ['misconfigured', 502, 'provider_error', 502, 'provider_error'],
    ['unusable', 502, 'provider_error', 502, 'provider_error'],
    ['subject_changed', 502, 'provider_error', 502, 'provider_error'],
    ['unavailable', 502, 'provider_error', 503, 'provider_unavailable'],
    ['timeout', 504, 'provider_timeout', 504, 'provider_timeout'],
  ])('%s ⇒ exchange %i %s, refresh %i %s', (failure, xStatus, xCode, rStatus, rCode) => {
    expect(answer(failure, EXCHANGE)).toMatchObject({ status: xStatus, code: xCode });
    expect(answer(failure, REFRESH)).toMatchObject({ status: rStatus, code: rCode });
  });

  it('only a refresh the provider could not serve says when to try again', () => {
    expect(answer('unavailable', REFRESH).headers).toEqual({ 'Retry-After': '7' });
    expect(answer('unavailable', EXCHANGE).headers).toEqual({});
  });

  it("names the provider's code and what was asked, nothing else", () => {
    expect(answer('misconfigured', REFRESH, 'INVALID_CLIENT_CRED').detail).toBe(
      'Acme refused or failed to refresh the grant (INVALID_CLIENT_CRED).',
    );
    expect(answer('refused', EXCHANGE, 'INVALID_GRANT').detail).toBe(
      'Acme refused or failed to exchange the authorization code (INVALID_GRANT).',
    );
  });

  it('passes anything but a ProviderError through as it is', () => {
    const other = new Error('boom');
    expect(providerProblem(provider, other, EXCHANGE)).toBe(other);
  });
});
