import type { Request } from 'express';
import { isLive } from '../session/session-data';
import type { GrantStore } from './grant-store';
import type { OAuthProvider } from './provider';

export interface ConnectionView {
  connected: boolean;
  user: string | null;
  displayName: string | null;
  avatar: string | null;
  scopes: string[];
}

export const NOT_CONNECTED: ConnectionView = Object.freeze({
  connected: false,
  user: null,
  displayName: null,
  avatar: null,
  scopes: [],
});

/** What a client may know of the session's grant at `provider`: never a token. */
export async function connectionView(
  req: Request,
  provider: OAuthProvider,
  grants: GrantStore,
): Promise<ConnectionView> {
  const grantId = isLive(req) ? req.session.grants?.[provider.name] : undefined;
  if (grantId === undefined) return NOT_CONNECTED;
  const stored = await grants.readFor(grantId, req.sessionID);
  if (!stored) return NOT_CONNECTED;
  const { subject, displayName, avatar, scopes } = stored.tokens;
  return { connected: true, user: subject, displayName, avatar, scopes };
}
