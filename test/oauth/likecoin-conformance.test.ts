import type { LikeCoinConfig } from '../../src/config';
import { likeCoinProvider } from '../../src/likecoin/likecoin-provider';
import {
  behaviourOf,
  LIKECOIN_ERRORS,
  LIKECOIN_MODES,
  startLikeCoinStandIn,
  type AnswerContext,
  type LikeCoinMode,
  type LikeCoinStandIn,
  type TokenAnswerBody,
} from '../support/likecoin-stand-in';
import {
  describeProviderConformance,
  type AnswerShape,
  type ConformanceStandIn,
  type ConformanceTarget,
} from './provider-conformance';

const CREDENTIALS = { clientId: 'conformance-client', clientSecret: 'conformance-secret' };
const REDIRECT_URI = 'http://127.0.0.1:8080/likecoin/callback';
const OTHER_LIKER = 'someone-else';

type Shaper = (
  likecoin: LikeCoinStandIn,
) => (answer: TokenAnswerBody, context: AnswerContext) => unknown;

/** Each answer shape, as LikeCoin would send it. */
const SHAPERS: Record<Exclude<AnswerShape, 'full' | 'access_token_only'>, Shaper> = {
  subject_in_token_only: () => (answer) => ({ access_token: answer.access_token }),
  no_subject:
    (likecoin) =>
    async (answer, { scopes }) => ({
      ...answer,
      user: undefined,
      access_token: await likecoin.mintAccessToken(undefined, scopes),
    }),
  other_subject:
    (likecoin) =>
    async (answer, { scopes }) => ({
      ...answer,
      user: OTHER_LIKER,
      access_token: await likecoin.mintAccessToken(OTHER_LIKER, scopes),
    }),
  oversize_field: () => (answer) => ({ ...answer, access_token: 'a'.repeat(16 * 1024 + 1) }),
  not_json: () => () => '<html><body>OK</body></html>',
  no_expiry:
    (likecoin) =>
    async (answer, { user, scopes }) => ({
      ...answer,
      access_token: await likecoin.mintAccessToken(user, scopes, { exp: false }),
    }),
};

function likeCoinTarget(mode: LikeCoinMode): ConformanceTarget {
  return {
    label: `LikeCoin (${mode})`,
    async start(): Promise<ConformanceStandIn> {
      const likecoin = await startLikeCoinStandIn({
        ...CREDENTIALS,
        redirectUris: [REDIRECT_URI],
        mode,
      });
      const config: LikeCoinConfig = {
        credentials: CREDENTIALS,
        redirectUri: new URL(REDIRECT_URI),
        scopes: ['profile', 'email'],
        authorizeUrl: new URL(likecoin.authorizeUrl),
        tokenUrl: new URL(likecoin.tokenUrl),
        apiUrl: new URL(likecoin.apiUrl),
        apiPaths: ['/'],
        pkce: false,
        stateTtlSeconds: 600,
        timeoutMs: 2000,
      };
      return {
        provider: likeCoinProvider(config, CREDENTIALS),
        codeParams: ['code', 'auth_code'],
        lifetimeWithoutExpiryMs: 3600_000,
        clientRefusals: [
          { status: 400, contentType: 'text/plain', body: LIKECOIN_ERRORS.missingClientInfo },
          { status: 400, contentType: 'text/plain', body: LIKECOIN_ERRORS.invalidClientCred },
          { status: 401, contentType: 'text/html', body: LIKECOIN_ERRORS.invalidClientCred },
          { status: 403, contentType: 'application/json', body: '{"error":"INVALID_CLIENT_CRED"}' },
        ],
        issueCode: (subject, scopes) =>
          likecoin.issueCode({ redirectUri: REDIRECT_URI, scopes, user: subject }),
        answerWith(shape) {
          const b = likecoin.behaviour;
          if (shape === 'full') {
            b.refreshAnswer = 'full';
          } else if (shape === 'access_token_only') {
            // A provider that answers the access token alone cannot be rotating the refresh token.
            b.refreshAnswer = 'access_token_only';
            b.rotateRefreshTokens = false;
            b.shapeAnswer = (answer) => ({ access_token: answer.access_token });
          } else {
            b.shapeAnswer = SHAPERS[shape](likecoin);
          }
        },
        killRefreshToken: (subject) => likecoin.revokeRefreshTokens(subject),
        refuseDeadTokensWith(status) {
          likecoin.behaviour.refusal = { ...likecoin.behaviour.refusal, status };
        },
        answerAll(answer) {
          if (answer === 'hang' || answer === 'reset') {
            likecoin.behaviour.token = answer;
          } else {
            likecoin.behaviour.token = 'canned';
            likecoin.behaviour.canned = answer;
          }
        },
        reset() {
          likecoin.behaviour = behaviourOf(mode);
        },
        close: () => likecoin.close(),
      };
    },
  };
}

for (const mode of LIKECOIN_MODES) describeProviderConformance(likeCoinTarget(mode));
