import type { Request } from 'express';
import { isLive } from '../session/session-data';
import type { TokenSetStore } from './token-set-store';

export interface LikeCoinConnectionView {
  connected: boolean;
  user: string | null;
  displayName: string | null;
  avatar: string | null;
  scopes: string[];
}

const NOT_CONNECTED: LikeCoinConnectionView = {
  connected: false,
  user: null,
  displayName: null,
  avatar: null,
  scopes: [],
};

/** What a client may know of the session's LikeCoin link: never a token. */
export async function likeCoinConnectionView(
  req: Request,
  tokenSets: TokenSetStore | undefined,
): Promise<LikeCoinConnectionView> {
  // Without LikeCoin configured no session can hold its tokens: no store read needed.
  if (!tokenSets || !isLive(req)) return NOT_CONNECTED;
  const stored = await tokenSets.read(req.sessionID);
  if (!stored) return NOT_CONNECTED;
  const { user, displayName, avatar, scopes } = stored.set;
  return { connected: true, user, displayName, avatar, scopes };
}
