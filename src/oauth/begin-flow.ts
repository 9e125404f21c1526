import type { Request } from 'express';
import type { Config } from '../config';
import { saveSession } from '../session/express-session-adapter';
import { credentialOf, isLive } from '../session/session-data';
import { authorizationUrl, randomHandle } from './authorization-url';
import type { FlowStore, PendingFlow } from './flow-store';
import { parseReturnTo } from './parse-return-to';
import { parseScopes } from './parse-scopes';
import type { OAuthProvider } from './provider';

/** What starting a flow reads: the routes' deps satisfy it, without begin-flow knowing them. */
export interface BeginFlowDeps {
  config: Pick<Config, 'allowedReturnTo' | 'publicBaseUrl'>;
  provider: OAuthProvider;
  flows: Pick<FlowStore, 'savePending'>;
  /** How long a started flow may take; a session made for the flow lives no longer. */
  stateTtlMs: number;
  now: () => number;
}

/**
 * Starts a flow: checks where it may return to and what it asks for, binds a fresh `state` to
 * the session (making one for a visitor who has none), and answers the provider URL to go to.
 */
export async function beginFlow(
  req: Request,
  deps: BeginFlowDeps,
  rawReturnTo: unknown,
  rawScope: unknown,
): Promise<string> {
  const { config, provider } = deps;

  const returnTo = parseReturnTo(rawReturnTo, config.allowedReturnTo, config.publicBaseUrl);
  const scopes = parseScopes(rawScope, provider.scopes);
  const codeVerifier = provider.pkce ? randomHandle() : undefined;
  const state = await bindFlow(req, deps, { returnTo, scopes, codeVerifier });
  return authorizationUrl({
    authorizeUrl: provider.authorizeUrl,
    clientId: provider.credentials.clientId,
    redirectUri: provider.redirectUri,
    scopes,
    state,
    codeVerifier,
  });
}

/** What a flow keeps besides the session it is bound to. */
export interface FlowToBind {
  returnTo: URL;
  scopes: string[];
  codeVerifier?: string;
  nonce?: string;
}

/**
 * Binds a fresh `state` to the request's session (making one for a visitor who has none) and
 * keeps `flow` under it: single use, `stateTtlMs` long. Answers the state.
 */
export async function bindFlow(
  req: Request,
  deps: Pick<BeginFlowDeps, 'flows' | 'stateTtlMs' | 'now'>,
  { returnTo, scopes, codeVerifier, nonce }: FlowToBind,
): Promise<string> {
  if (!isLive(req)) {
    // The state is bound to a session, so a visitor without one gets one now.
    req.session.createdAt = deps.now();
    req.session.touchedAt = deps.now();
  }
  if (req.session.user === undefined) {
    // Nobody is signed in: the session exists only for this flow, so it lives as long as the
    // flow may (its store entry follows the cookie), unless the flow completes, which starts a
    // session with the normal lifetime. A new flow gives it that long again.
    req.session.cookie.maxAge = deps.stateTtlMs;
    req.session.touchedAt = deps.now();
    await saveSession(req);
  }
  const state = randomHandle();
  const flow: PendingFlow = {
    sessionId: req.sessionID,
    carrier: credentialOf(req).carrier === 'bearer' ? 'bearer' : 'cookie',
    returnTo: returnTo.href,
    scopes,
  };
  if (codeVerifier !== undefined) flow.codeVerifier = codeVerifier;
  if (nonce !== undefined) flow.nonce = nonce;
  await deps.flows.savePending(state, flow);
  return state;
}
