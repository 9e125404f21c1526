import type { Request } from 'express';
import { HttpProblem } from '../http/http-problem';
import { startSession } from '../session/session-lifecycle';
import type { PendingFlow } from './flow-store';
import {
  ProviderError,
  type GrantedTokens,
  type TokenEndpointClient,
} from './token-endpoint-client';
import type { TokenSetStore } from './token-set-store';

export interface ConnectDeps {
  tokenClient: TokenEndpointClient;
  tokenSets: TokenSetStore;
  redirectUri: URL;
  now: () => number;
  onSessionEnd: (sessionId: string) => Promise<void>;
  onSignIn: () => void;
}

/** Trades the code for tokens: one attempt, failures as our own problem answers. */
export async function exchangeCode(
  deps: ConnectDeps,
  flow: PendingFlow,
  code: string,
): Promise<GrantedTokens> {
  try {
    return await deps.tokenClient.exchangeCode(
      code,
      deps.redirectUri,
      flow.scopes,
      flow.codeVerifier,
    );
  } catch (err) {
    throw providerProblem(err, 'exchange the authorization code');
  }
}

/**
 * Ties the LikeCoin account to the session: signs the user in when the session had nobody
 * (the Liker ID becomes the user), links it otherwise. Either way the session gets a new id,
 * so a session planted before the flow is not the one after it. The tokens are written before
 * the session is saved: a failure in between leaves no session pointing at missing tokens.
 */
export async function connectAccount(
  req: Request,
  deps: ConnectDeps,
  tokens: GrantedTokens,
): Promise<void> {
  const signingIn = req.session.user === undefined;
  const user = req.session.user ?? { id: tokens.user, source: 'likecoin' as const };
  await startSession(req, user, deps, {
    keepCreatedAt: !signingIn,
    beforeSave: (sessionId) => deps.tokenSets.write(sessionId, tokens),
  });
  if (signingIn) deps.onSignIn();
}

export function providerProblem(err: unknown, doing: string): unknown {
  if (!(err instanceof ProviderError)) return err;
  if (err.kind === 'timeout') {
    return new HttpProblem(
      504,
      'provider_timeout',
      `LikeCoin did not answer in time when asked to ${doing}.`,
    );
  }
  const said = err.providerCode ? ` (${err.providerCode})` : '';
  return new HttpProblem(502, 'provider_error', `LikeCoin refused or failed to ${doing}${said}.`);
}
