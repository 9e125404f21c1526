import { Router, type Request, type RequestHandler } from 'express';
import { randomNonce, randomPKCECodeVerifier } from 'openid-client';
import type { Config, RelyingPartyConfig } from '../config';
import { browserNavigation } from '../http/html-problem';
import { parseInput, type FieldProblems } from '../http/parse-input';
import { problems } from '../http/problems';
import type { OAuthFlowLimiters } from '../http/rate-limits';
import { bindFlow } from '../oauth/begin-flow';
import type { FlowStore, PendingFlow } from '../oauth/flow-store';
import { outcomeOf, redirect } from '../oauth/oauth-routes';
import { callbackQuery } from '../oauth/oauth-schemas';
import { parseReturnTo, withParam } from '../oauth/parse-return-to';
import type { SessionStore } from '../session/express-session-adapter';
import { sessionCookieOptions } from '../session/express-session-adapter';
import { navigationFromOwnPages } from '../session/navigation-origin';
import { isLive } from '../session/session-data';
import {
  endCurrentSession,
  startSession,
  type SessionLifecycleDeps,
} from '../session/session-lifecycle';
import { userIdFromClaim } from '../session/verify-app-token';
import { ReturnToQuery } from './oidc-schemas';
import type { RelyingParty } from './relying-party';
import type { SignInRecords } from './sign-in-records';

const RETURN_TO_FIELDS: FieldProblems = { return_to: problems.invalidReturnTo };
const STATE_FIELDS: FieldProblems = { state: () => problems.invalidState() };
const CallbackQuery = callbackQuery(['code']);
// An ID token's `sub` and `sid` are the provider's; bounded like every id we keep.
const MAX_CLAIM_LENGTH = 255;

export interface LoginRoutesDeps {
  config: Config;
  relyingParty: RelyingPartyConfig;
  rp: RelyingParty;
  flows: FlowStore;
  signIns: SignInRecords;
  stateTtlMs: number;
  rateLimits: Pick<OAuthFlowLimiters, 'authorize' | 'callback'>;
  sessionStore: SessionStore;
  lifecycle: SessionLifecycleDeps;
  rejectDeadCredential: RequestHandler;
  /** The claim that holds the user id (APP_JWT_USER_CLAIM). */
  userClaim: string;
  now: () => number;
}

/**
 * The relying party's browser routes: GET /login (off to the provider), its callback (served at
 * APP_OIDC_REDIRECT_URI's path) and GET /logout (RP-initiated logout). All are navigations: no
 * CSRF header can come with them, and their failures are pages.
 */
export function loginRoutes(deps: LoginRoutesDeps): Router {
  const { config } = deps;
  const callbackPath = deps.relyingParty.redirectUri.pathname;
  const router = Router();
  const page = browserNavigation({
    heading: 'Sign-in did not complete',
    home: config.publicBaseUrl,
  });
  // Per route, by exact path (a `use('/login')` would also count the callback under /login):
  // the page marker, then the client IP's limit (429 before any of the route's work).
  router.get(
    callbackPath,
    page,
    deps.rateLimits.callback,
    deps.rejectDeadCredential,
    callback(deps),
  );
  router.get('/login', page, deps.rateLimits.authorize, deps.rejectDeadCredential, login(deps));
  const signOutPage = browserNavigation({
    heading: 'Sign-out did not complete',
    home: config.publicBaseUrl,
  });
  router.get('/logout', signOutPage, deps.rejectDeadCredential, logout(deps));
  return router;
}

function login(deps: LoginRoutesDeps): RequestHandler {
  const { config } = deps;
  return async (req, res) => {
    const query = parseInput(ReturnToQuery, req.query, RETURN_TO_FIELDS);
    const returnTo = parseReturnTo(query.return_to, config.allowedReturnTo, config.publicBaseUrl);
    // Both 256 bits (openid-client's), kept server-side with the flow, never in a cookie.
    const nonce = randomNonce();
    const codeVerifier = randomPKCECodeVerifier();
    // Discovery first: a provider that cannot be reached leaves no flow behind.
    await deps.rp.configuration();
    const state = await bindFlow(req, deps, {
      returnTo,
      scopes: [...deps.relyingParty.scopes],
      codeVerifier,
      nonce,
    });
    const url = await deps.rp.authorizationUrl({ state, nonce, codeVerifier });
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(302, url.href);
  };
}

/** The provider sends the browser back: the flow is this browser's, once, or nothing happens. */
function callback(deps: LoginRoutesDeps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(CallbackQuery, req.query, STATE_FIELDS);
    if (query.state === undefined) {
      const home = new URL('/', deps.config.publicBaseUrl);
      return redirect(res, withParam(home, 'error', outcomeOf(query.error)));
    }
    const flow = await deps.flows.takePending(query.state);
    // Only the browser that started the flow may finish it (login CSRF: a code planted in
    // someone else's browser would sign them in as the attacker).
    if (!flow || flow.sessionId !== req.sessionID || !flow.nonce || !flow.codeVerifier) {
      throw problems.invalidState();
    }
    if (query.error !== undefined) {
      return redirect(res, withParam(flow.returnTo, 'error', outcomeOf(query.error)));
    }
    const callbackUrl = new URL(req.originalUrl, deps.config.publicBaseUrl);
    const signedIn = await deps.rp.signIn(callbackUrl, {
      state: query.state,
      nonce: flow.nonce,
      codeVerifier: flow.codeVerifier,
    });
    await signInWith(req, deps, flow, signedIn.claims, signedIn.idToken);
    redirect(res, flow.returnTo);
  };
}

/** A fresh session (new id) for the ID token's user, its `sub` and `sid` kept beside it. */
async function signInWith(
  req: Request,
  deps: LoginRoutesDeps,
  flow: PendingFlow,
  claims: Record<string, unknown>,
  idToken: string,
): Promise<void> {
  const userId = userIdFromClaim(claims[deps.userClaim], deps.lifecycle.signInProviders);
  const sub = claims.sub;
  const sid = claims.sid;
  if (!isBoundedClaim(sub) || (sid !== undefined && !isBoundedClaim(sid))) {
    throw problems.invalidIdToken('The ID token\'s "sub" or "sid" is not usable.');
  }
  // Logging out wins over a sign-in in flight: the flow's session must still be live.
  if (!(await deps.sessionStore.endIfLive(flow.sessionId))) throw problems.invalidState();
  await startSession(req, { id: userId, source: 'oidc' }, deps.lifecycle, {
    // Recorded before the session is saved: a back-channel logout can always find it.
    beforeSave: async () => {
      const handle = req.session.device?.handle ?? '';
      await deps.signIns.record(sub, { userId, handle, sid }, idToken);
    },
  });
}

/** A `sub` or `sid` we can keep: OpenID Connect bounds `sub` to 255 ASCII characters. */
function isBoundedClaim(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH;
}

/**
 * Ends this session here, then lets the provider end its own (RP-Initiated Logout 1.0): the ID
 * token goes back to it as `id_token_hint`, the one time a provider token reaches the browser.
 */
function logout(deps: LoginRoutesDeps): RequestHandler {
  const { config } = deps;
  // The service's own pages and the app's (its API callers, the pages it may return to).
  const ownOrigins = new Set([
    config.publicBaseUrl.origin,
    ...config.corsOrigins,
    // Web ones only: a custom scheme's target (myapp://…) has no origin a Referer could name.
    ...config.allowedReturnTo.filter((target) => /^https?:/.test(target)),
  ]);
  return async (req, res) => {
    // Before anything ends: a link on a foreign page must not sign the user out (logout CSRF).
    if (!navigationFromOwnPages(req.headers, ownOrigins)) {
      throw problems.csrfRejected('Sign out from a page of this service or of the app.');
    }
    const query = parseInput(ReturnToQuery, req.query, RETURN_TO_FIELDS);
    const returnTo = parseReturnTo(query.return_to, config.allowedReturnTo, config.publicBaseUrl);
    const handle = isLive(req) ? req.session.device?.handle : undefined;
    const idToken = handle === undefined ? undefined : await deps.signIns.idTokenOf(handle);
    await endCurrentSession(req, deps.lifecycle, 'logout');
    if (handle !== undefined) await deps.signIns.forgetIdToken(handle);
    res.clearCookie(config.session.cookieName, sessionCookieOptions(config.session));
    let target: URL | undefined;
    try {
      target = await deps.rp.endSessionUrl(returnTo.href, idToken);
    } catch {
      // The session here has ended; the provider's own can't be reached: go back all the same.
      target = undefined;
    }
    redirect(res, (target ?? returnTo).href);
  };
}
