import type { z } from 'zod';
import { problems as P, type ProviderNames } from '../http/problems';
import {
  AuthorizeAnswer,
  AuthorizeQuery,
  AuthorizeRequest,
  callbackQuery,
  CompleteRequest,
  ConnectionQuery,
} from '../oauth/oauth-schemas';
import {
  BEARER,
  COOKIE,
  COOKIE_CSRF,
  NONE,
  json,
  jsonBody,
  noContent,
  redirect,
  type PathContext,
} from './operation-parts';

/** One OAuth provider's code flow: /<name>/authorize, callback, complete and connection. */
export function registerOAuthPaths(
  ctx: PathContext,
  provider: ProviderNames,
  codeParams: readonly [string, ...string[]],
  completeAnswer: z.ZodType,
): void {
  registerAuthorizePaths(ctx, provider);
  registerReturnPaths(ctx, provider, codeParams, completeAnswer);
  registerConnectionPath(ctx, provider);
}

/** What the code exchange can answer (the callback, and POST …/complete). */
const exchangeProblems = (provider: ProviderNames) => [
  P.providerError(provider, 'exchange the code'),
  P.providerTimeout(provider, 'exchange the code'),
];

function registerAuthorizePaths({ register, problems }: PathContext, provider: ProviderNames) {
  const { STORE, DEAD, GUARDED, JSON_BODY } = problems;
  const flowStart = [
    P.invalidReturnTo('return_to is not an allowed URL.'),
    P.invalidScope('scope must be a space-separated list.'),
    P.notConfigured(provider),
  ];
  register({
    method: 'get',
    path: `/${provider.name}/authorize`,
    operationId: `${provider.name}Authorize`,
    tags: [provider.name],
    summary: `Start ${provider.label} sign-in or linking (a browser navigation)`,
    description: `302 to ${provider.label}'s authorization page with client_id, scope, redirect_uri and state. A session is created if there is none.`,
    security: [NONE, COOKIE, BEARER],
    request: { query: AuthorizeQuery },
    responses: { 302: redirect(`To ${provider.label}'s authorization page.`) },
    problems: [...STORE, ...DEAD, ...flowStart],
  });
  register({
    method: 'post',
    path: `/${provider.name}/authorize`,
    operationId: `${provider.name}AuthorizeUrl`,
    tags: [provider.name],
    summary: `Start ${provider.label} sign-in or linking (apps): the URL to open`,
    security: [NONE, COOKIE_CSRF, BEARER],
    request: { body: jsonBody(AuthorizeRequest) },
    responses: { 200: json(AuthorizeAnswer, 'Open it in a (system) browser.') },
    problems: [...GUARDED, ...JSON_BODY, ...flowStart],
  });
}

/** Where the flow comes back: the browser's callback, and an app's POST …/complete. */
function registerReturnPaths(
  { register, problems }: PathContext,
  provider: ProviderNames,
  codeParams: readonly [string, ...string[]],
  completeAnswer: z.ZodType,
) {
  const notConfigured = P.notConfigured(provider);
  register({
    method: 'get',
    path: `/${provider.name}/callback`,
    operationId: `${provider.name}Callback`,
    tags: [provider.name],
    summary: `Where ${provider.label} sends the browser back`,
    description:
      "Validates state (once), exchanges the code, then 302 to return_to: signed in, with `error=access_denied|provider_error`, or (a flow an app started) with `result=<one-time handle>` for POST …/complete. `error` with no state at all (the provider's own API failed) ⇒ 302 to PUBLIC_BASE_URL's root with `error=access_denied|provider_error`. A browser (Accept naming text/html) gets its failures as a short HTML page, other clients as problem+json. Answers carry Cache-Control: no-store and Referrer-Policy: no-referrer.",
    security: [NONE, COOKIE],
    request: { query: callbackQuery(codeParams) },
    responses: {
      302: redirect(
        "To return_to; for an error without state, to PUBLIC_BASE_URL's root (`?error=access_denied|provider_error`).",
      ),
    },
    htmlProblems: true,
    problems: [
      ...problems.STORE,
      ...problems.DEAD,
      P.invalidState(),
      P.invalidRequest('The provider sent no usable authorization code.'),
      ...exchangeProblems(provider),
      notConfigured,
    ],
  });
  register({
    method: 'post',
    path: `/${provider.name}/complete`,
    operationId: `${provider.name}Complete`,
    tags: [provider.name],
    summary: 'Finish a flow an app started, under the same bearer session',
    description:
      'The answer carries a new session_token (a login always issues a new session id): switch to it.',
    security: [BEARER],
    request: { body: jsonBody(CompleteRequest) },
    responses: { 200: json(completeAnswer, 'Connected; the new session.') },
    problems: [
      ...problems.GUARDED,
      ...problems.JSON_BODY,
      P.invalidState(),
      ...exchangeProblems(provider),
      notConfigured,
    ],
  });
}

function registerConnectionPath({ register, problems }: PathContext, provider: ProviderNames) {
  register({
    method: 'delete',
    path: `/${provider.name}/connection`,
    operationId: `${provider.name}Disconnect`,
    tags: [provider.name],
    summary: `Unlink this session from its ${provider.label} grant`,
    description:
      '`?everywhere=true` forgets the grant for every session of that account; otherwise the grant lives on while other sessions use it.',
    security: [NONE, COOKIE_CSRF, BEARER],
    request: { query: ConnectionQuery },
    responses: { 204: noContent('Unlinked (also when there was no link).') },
    problems: [
      ...problems.GUARDED,
      P.invalidRequest('everywhere must be a single value.'),
      P.notConfigured(provider),
    ],
  });
}
