import type { Request } from 'express';
import { problems } from '../http/problems';
import type { AuditLog } from '../log/audit';
import type { SessionStore } from '../session/express-session-adapter';
import { startSession, type SessionLifecycleDeps } from '../session/session-lifecycle';
import { isValidUserId, providerUserId } from '../session/user-id';
import type { PendingFlow } from './flow-store';
import type { GrantStore } from './grant-store';
import type { GrantedTokens, OAuthProvider } from './provider';
import { providerProblem } from './provider-problem';
import type { TokenEndpointClient } from './token-endpoint-client';

export interface ConnectDeps {
  provider: OAuthProvider;
  tokenClient: TokenEndpointClient;
  grants: GrantStore;
  sessionStore: SessionStore;
  lifecycle: SessionLifecycleDeps;
  onGrantReplaced: () => void;
  audit: Pick<AuditLog, 'grantConnected' | 'grantForgotten'>;
}

/** Trades the code for tokens: one attempt, failures as our own problem answers. */
export async function exchangeCode(
  deps: Pick<ConnectDeps, 'provider' | 'tokenClient'>,
  flow: Pick<PendingFlow, 'scopes' | 'codeVerifier'>,
  code: string,
): Promise<GrantedTokens> {
  try {
    return await deps.tokenClient.exchangeCode(code, flow.scopes, flow.codeVerifier);
  } catch (err) {
    throw providerProblem(deps.provider, err, { kind: 'exchange' });
  }
}

/**
 * The flow's last step: ties the grant to the session that ran the flow. Signs the user in when
 * the session had nobody (the subject becomes the user), links it otherwise; either way the
 * session gets a new id, so a session planted before the flow is not the one after it.
 *
 * Logging out wins over a link in flight: the session that started the flow is ended here, in
 * one atomic step that also tells whether it was still live. If it was not (logged out, ended
 * from another device, expired while the code was being exchanged), nothing is stored and
 * nobody is signed in.
 */
export async function connectGrant(
  req: Request,
  deps: ConnectDeps,
  flow: PendingFlow,
  tokens: GrantedTokens,
): Promise<void> {
  const { provider, grants } = deps;
  const signingIn = req.session.user === undefined;
  // A provider's user is `<provider>:<subject>`: never an app user, whatever the ids look like.
  const user = req.session.user ?? {
    id: providerUserId(provider.name, tokens.subject),
    source: provider.name,
  };
  if (!isValidUserId(user.id)) {
    throw problems.invalidUserId(`This ${provider.label} account's id cannot name a user here.`);
  }
  if (!(await deps.sessionStore.endIfLive(flow.sessionId))) throw problems.invalidState();
  let connected = { grantId: '', replaced: false };
  await startSession(req, user, deps.lifecycle, {
    keepCreatedAt: !signingIn,
    // The grant is in place before any session points at it.
    beforeSave: async (sessionId) => {
      const lapsesAt = req.session.cookie.expires?.getTime() ?? deps.lifecycle.now();
      connected = await grants.connect(tokens, sessionId, lapsesAt);
      req.session.grants = { [provider.name]: connected.grantId };
      if (connected.replaced) deps.onGrantReplaced();
    },
  });
  deps.audit.grantConnected({
    userId: user.id,
    device: req.session.device?.handle,
    ip: req.ip,
    provider: provider.name,
    grant: connected.grantId,
    subject: tokens.subject,
    replaced: connected.replaced,
  });
}
