import { problems as P } from '../http/problems';
import { callbackQuery } from '../oauth/oauth-schemas';
import { BEARER, COOKIE, NONE, redirect, type PathContext } from '../openapi/operation-parts';
import { IDENTITY_PROVIDER } from './names';
import { LogoutTokenForm, ReturnToQuery } from './oidc-schemas';

const TAG = IDENTITY_PROVIDER.name;
const RETURN_TO = P.invalidReturnTo('return_to is not an allowed URL.');
const PROVIDER = [
  P.providerUnavailable(IDENTITY_PROVIDER, 'sign you in', 5),
  P.providerTimeout(IDENTITY_PROVIDER, 'sign you in'),
  P.providerError(IDENTITY_PROVIDER, 'complete the sign-in'),
];

/** GET /login, /login/callback, /logout and POST /backchannel-logout. */
export function registerOidcPaths({ register, problems }: PathContext): void {
  const { STORE, DEAD } = problems;
  register({
    method: 'get',
    path: '/login',
    operationId: 'oidcLogin',
    tags: [TAG],
    summary: "Sign in through the app's identity provider (a browser navigation)",
    description:
      '302 to the provider (code flow, PKCE S256, state and nonce kept server-side, single use, 10 minutes). A session is created if there is none. 404 unless APP_OIDC_ISSUER is set.',
    security: [NONE, COOKIE],
    request: { query: ReturnToQuery },
    responses: { 302: redirect("To the identity provider's authorization endpoint.") },
    htmlProblems: true,
    problems: [...STORE, ...DEAD, RETURN_TO, ...PROVIDER],
  });
  register({
    method: 'get',
    path: '/login/callback',
    operationId: 'oidcCallback',
    tags: [TAG],
    summary: 'Where the identity provider sends the browser back (APP_OIDC_REDIRECT_URI)',
    description:
      "Validates state (once, this browser's), exchanges the code, validates the ID token (signature, iss, aud, exp, nonce), starts a fresh session for its user (source `oidc`), then 302 to return_to. `?error=` ⇒ 302 to return_to with `error=access_denied|provider_error`.",
    security: [NONE, COOKIE],
    request: { query: callbackQuery(['code']) },
    responses: { 302: redirect('To return_to.') },
    htmlProblems: true,
    problems: [
      ...STORE,
      ...DEAD,
      P.invalidState(),
      P.invalidIdToken("The identity provider's ID token did not pass validation."),
      P.invalidUserId('The ID token names no usable user id.'),
      ...PROVIDER,
    ],
  });
  register({
    method: 'get',
    path: '/logout',
    operationId: 'oidcLogout',
    tags: [TAG],
    summary: "End the session, then the identity provider's (RP-Initiated Logout)",
    description:
      "Ends this session; 302 to the provider's end_session_endpoint with client_id, id_token_hint and post_logout_redirect_uri = return_to, or straight to return_to when it has none. A navigation that started on another origin than the service's, CORS_ORIGINS' or ALLOWED_RETURN_TO's (Sec-Fetch-Site, then Referer) is refused with 403 csrf_rejected and ends nothing.",
    security: [NONE, COOKIE, BEARER],
    request: { query: ReturnToQuery },
    responses: { 302: redirect('To the end-session endpoint, or return_to.') },
    htmlProblems: true,
    problems: [
      ...STORE,
      ...DEAD,
      RETURN_TO,
      P.csrfRejected('Sign out from a page of this service or of the app.'),
    ],
  });
  register({
    method: 'post',
    path: '/backchannel-logout',
    operationId: 'oidcBackchannelLogout',
    tags: [TAG],
    summary: 'OpenID Connect Back-Channel Logout 1.0 (from the identity provider)',
    description:
      "Ends every session signed in with the token's `sid`, or (only a `sub`) every session whose sign-in had that `sub`. 200 with Cache-Control: no-store. 404 unless APP_BACKCHANNEL_LOGOUT=true.",
    security: [NONE],
    request: {
      body: {
        required: true,
        content: { 'application/x-www-form-urlencoded': { schema: LogoutTokenForm } },
      },
    },
    responses: { 200: { description: 'The sessions named have ended (or there were none).' } },
    problems: [
      ...STORE,
      P.invalidLogoutToken('The logout token could not be verified.'),
      P.unsupportedMediaType('Send the body as application/x-www-form-urlencoded.'),
      P.payloadTooLarge(),
      P.identityProviderUnavailable(5),
      P.providerUnavailable(IDENTITY_PROVIDER, 'sign you in', 5),
    ],
  });
}
