import { verdictOf, type TokenVerdict } from '../../src/oauth/token-refusal';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const LIKECOIN_CLIENT_CODES = ['MISSING_CLIENT_INFO', 'INVALID_CLIENT_CRED'];

describe('verdictOf: what a token endpoint status means for the grant', () => {
  it('every 4xx but 408 and 429 refuses the grant, whatever the body names', () => {
    const refusals = range(400, 500).filter((status) => status !== 408 && status !== 429);
    for (const status of refusals) {
      for (const code of [undefined, 'INVALID_GRANT', 'invalid_grant', 'anything']) {
        expect([status, code, verdictOf(status, code, LIKECOIN_CLIENT_CODES)]).toEqual([
          status,
          code,
          'refused',
        ]);
      }
    }
  });

  it.each(['invalid_client', 'unauthorized_client', ...LIKECOIN_CLIENT_CODES])(
    'a 4xx naming our client (%s) is misconfigured: the grant is not at fault',
    (code) => {
      for (const status of [400, 401, 403, 404, 422]) {
        expect(verdictOf(status, code, LIKECOIN_CLIENT_CODES)).toBe('misconfigured');
      }
    },
  );

  it("a provider's client codes count only for that provider; they match exactly", () => {
    expect(verdictOf(400, 'INVALID_CLIENT_CRED', [])).toBe('refused');
    expect(verdictOf(400, 'invalid_client_cred', LIKECOIN_CLIENT_CODES)).toBe('refused');
    expect(verdictOf(401, 'INVALID_CLIENT', LIKECOIN_CLIENT_CODES)).toBe('refused');
  });

  it.each<[string, number[], TokenVerdict]>([
    ['408, 429 and every 5xx: no verdict', [408, 429, ...range(500, 600)], 'unavailable'],
    ['every 2xx: an answer to read', range(200, 300), 'answer'],
    ['every 3xx: the URL is not the token endpoint', range(300, 400), 'misconfigured'],
  ])('%s', (_name, statuses, verdict) => {
    for (const status of statuses) {
      // Our client's code changes nothing here: a rate limit or an outage is no verdict.
      expect(verdictOf(status, 'INVALID_CLIENT_CRED', LIKECOIN_CLIENT_CODES)).toBe(verdict);
      expect(verdictOf(status, undefined, LIKECOIN_CLIENT_CODES)).toBe(verdict);
    }
  });
});
