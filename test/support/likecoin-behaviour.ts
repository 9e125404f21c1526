/**
 * What the LikeCoin stand-in says and how it behaves: its codes, the two LikeCoins it plays and
 * their switches, and the pure rules of its pages (scope expansion, where the token endpoint finds
 * its parameters). The server is in likecoin-stand-in.ts.
 */

/**
 * The text/plain codes the stand-in answers with. Where a code is marked "real", LikeCoin's own
 * public API source answers it in the same situation; the others are the stand-in's choice, since
 * the real token route is not public (the service treats any 4xx but 408/429 from the token
 * endpoint as a refusal and matches only the codes naming its own client).
 */
export const LIKECOIN_ERRORS = {
  /** real: client_id or client_secret missing from the form (also: the body is not a form) */
  missingClientInfo: 'MISSING_CLIENT_INFO',
  /** real: unknown client_id or wrong client_secret */
  invalidClientCred: 'INVALID_CLIENT_CRED',
  /** stand-in: grant_type neither authorization_code nor refresh_token */
  invalidGrantType: 'INVALID_GRANT_TYPE',
  /** stand-in: code unknown, already used, expired, or redirect_uri differs from the authorize one */
  invalidGrant: 'INVALID_GRANT',
  /** stand-in: refresh token unknown, revoked or already rotated */
  invalidRefreshToken: 'INVALID_REFRESH_TOKEN',
  /** real (API): no, malformed or badly signed Bearer token */
  loginNeeded: 'LOGIN_NEEDED',
  /** real (API): the access token's exp has passed */
  tokenExpired: 'TOKEN_EXPIRED',
  /** real (API): the token lacks the route's scope */
  insufficientPermission: 'INSUFFICIENT_PERMISSION',
} as const;

/**
 * Which LikeCoin the stand-in plays. 'documented': what LikeCoin's docs and the first
 * observations describe (refresh answers with all five fields and a new refresh token, 400
 * text/plain refusals, text/plain API errors, scopes as asked, form-only token endpoint).
 * 'observed': what LikeCoin's public code and real clients suggest (CONTRACT.md, "The real
 * providers, as observed"): a refresh answers the access token alone and keeps the refresh
 * token, a dead token is refused with some other 4xx, API errors are text/html, the consent page
 * adds `profile` and expands a bare `X` to `read:X write:X`, and the token endpoint reads a form,
 * a JSON body or the query string. Each difference is a behaviour switch, so a test can mix them.
 */
export type LikeCoinMode = 'documented' | 'observed';

export const LIKECOIN_MODES: readonly LikeCoinMode[] = ['documented', 'observed'];

/** How the token endpoint refuses a dead code or refresh token. */
export interface RefusalShape {
  status: number;
  /** text: a text/plain code (LikeCoin's API's way); json: RFC 6749's `{ "error" }`; html: a page. */
  body: 'text' | 'json' | 'html';
}

/** One answer, as it goes on the wire. */
export interface CannedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** A token endpoint's success body, before `shapeAnswer`. */
export interface TokenAnswerBody {
  user?: string;
  displayName?: string;
  avatar?: string;
  access_token: string;
  refresh_token?: string;
}

/** What a success answer was for, so `shapeAnswer` can mint tokens of its own. */
export interface AnswerContext {
  grantType: 'authorization_code' | 'refresh_token';
  user: string;
  scopes: string[];
}

export interface LikeCoinBehaviour {
  /**
   * 'approve' / 'deny' answer the authorize request at once (what tests want); 'page' shows an
   * HTML page with Allow and Deny buttons, for a person or a browser test to click; 'fail' is
   * LikeCoin's own API failing after the user said yes: back with `error=<text>` and no state.
   */
  authorize: 'approve' | 'deny' | 'page' | 'fail';
  /** 'canned': every token request gets `canned`, whatever it asks. */
  token: 'ok' | 'server_error' | 'hang' | 'reset' | 'invalid_client' | 'canned';
  canned: CannedAnswer;
  api: 'ok' | 'server_error' | 'hang';
  /** Delay before answering the token endpoint (ms); 0 = none. */
  tokenDelayMs: number;
  /** How a dead code or refresh token is refused. */
  refusal: RefusalShape;
  /** A refresh answers all five fields, or the access token alone. */
  refreshAnswer: 'full' | 'access_token_only';
  /** A refresh issues a new refresh token (killing the one sent), or the one sent lives on. */
  rotateRefreshTokens: boolean;
  /** The content type of the API's 401/403 refusals (the body is the code either way). */
  apiErrorType: 'text/plain' | 'text/html';
  /** The consent page grants `profile` too, and `read:X write:X` for a bare `X`. */
  expandScopes: boolean;
  /** Where the token endpoint finds its parameters. */
  tokenParams: 'form' | 'form_json_query';
  /**
   * Rewrites each success answer of the token endpoint (a test's answer shapes); a string goes
   * out as the raw body. Undefined: the answer as the mode makes it.
   */
  shapeAnswer: ((answer: TokenAnswerBody, context: AnswerContext) => unknown) | undefined;
}

/** The switches each mode starts with. */
export function behaviourOf(mode: LikeCoinMode): LikeCoinBehaviour {
  const common = {
    authorize: 'approve',
    token: 'ok',
    canned: { status: 500, contentType: 'text/plain; charset=utf-8', body: '' },
    api: 'ok',
    tokenDelayMs: 0,
    shapeAnswer: undefined,
  } as const;
  return mode === 'documented'
    ? {
        ...common,
        refusal: { status: 400, body: 'text' },
        refreshAnswer: 'full',
        rotateRefreshTokens: true,
        apiErrorType: 'text/plain',
        expandScopes: false,
        tokenParams: 'form',
      }
    : {
        ...common,
        // Not public: 403 is the guess that used to leave grants answering 503 for ever.
        refusal: { status: 403, body: 'text' },
        refreshAnswer: 'access_token_only',
        rotateRefreshTokens: false,
        apiErrorType: 'text/html',
        expandScopes: true,
        tokenParams: 'form_json_query',
      };
}

// What LikeCoin's page sends back when its own API fails after the user said yes (no state).
export const AUTHORIZE_FAILURE_TEXT = 'Request failed with status code 500';
// LikeCoin's docs: these two are whole scopes; every other one comes as read:X or write:X.
const WHOLE_SCOPES = new Set(['profile', 'email']);

export const rfcCodeOf = (code: string): string =>
  code === LIKECOIN_ERRORS.invalidClientCred || code === LIKECOIN_ERRORS.missingClientInfo
    ? 'invalid_client'
    : 'invalid_grant';

/** The consent page's grant: what was asked, `profile` always, a bare X as read:X and write:X. */
export function expandScopes(asked: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const scope of asked) {
    if (scope.includes(':') || WHOLE_SCOPES.has(scope)) granted.add(scope);
    else granted.add(`read:${scope}`).add(`write:${scope}`);
  }
  return [...granted.add('profile')];
}

/**
 * The token endpoint's parameters: a form, or (tokenParams 'form_json_query') also a JSON
 * object's string fields and the query string, the body winning. Undefined: nothing readable.
 */
export function tokenParamsOf(
  contentType: string,
  query: string,
  body: string,
  where: LikeCoinBehaviour['tokenParams'],
): URLSearchParams | undefined {
  const isForm = /^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType);
  if (where === 'form') return isForm ? new URLSearchParams(body) : undefined;
  const params = new URLSearchParams(query);
  let fields: [string, string][] = [];
  if (isForm) fields = [...new URLSearchParams(body)];
  else if (/^application\/json\s*(;|$)/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object') {
        fields = Object.entries(parsed).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        );
      }
    } catch {
      // Not JSON after all: the query string alone.
    }
  }
  for (const [name, value] of fields) params.set(name, value);
  return params;
}
