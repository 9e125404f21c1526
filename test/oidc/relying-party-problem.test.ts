import { relyingPartyProblem } from '../../src/oidc/relying-party';

// What openid-client's failures become, for those a loopback stand-in cannot stage cheaply.
const codeOf = (err: unknown) => relyingPartyProblem(err, 'sign you in', 5).code;

it.each([
  [
    'a timeout',
    Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
    'provider_timeout',
  ],
  [
    'an abort wrapped by openid-client',
    new Error('something went wrong', {
      cause: Object.assign(new Error('aborted'), { name: 'AbortError' }),
    }),
    'provider_timeout',
  ],
  [
    'a failed fetch wrapped by openid-client',
    new Error('something went wrong', { cause: new TypeError('fetch failed') }),
    'provider_unavailable',
  ],
  [
    'an error status from the provider',
    Object.assign(new Error('unexpected HTTP response status code'), {
      code: 'OAUTH_RESPONSE_IS_NOT_CONFORM',
    }),
    'provider_unavailable',
  ],
  [
    'a claim that fails comparison',
    Object.assign(new Error('unexpected JWT claim value'), {
      code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
    }),
    'invalid_id_token',
  ],
  ['anything else', new Error('odd'), 'provider_error'],
  ['not even an Error', 'odd', 'provider_error'],
])('%s ⇒ %s', (_what, err, code) => {
  expect(codeOf(err)).toBe(code);
});
