import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import { requireUser } from '../session/require-user';
import type { ProfileTokenAnswer } from './livelike-schemas';
import type { ProfileTokenMinter } from './mint-profile-token';

export interface LiveLikeRoutesDeps {
  mint: ProfileTokenMinter;
  /** Runs before every route: credential check, CSRF. */
  guards: RequestHandler[];
  /** The per-user limit on tokens, after the guards (a request they refuse is not counted). */
  tokenLimit: RequestHandler;
  onTokenMinted: () => void;
}

export function liveLikeRoutes({
  mint,
  guards,
  tokenLimit,
  onTokenMinted,
}: LiveLikeRoutesDeps): Router {
  const router = Router();
  // The profile id always comes from the session: a custom_profile_id in the query or body is
  // never read, so nobody can mint a token for someone else's profile.
  const issueToken: RequestHandler = async (req, res) => {
    const user = requireUser(req);
    const minted = await mint(user.id);
    onTokenMinted();
    res.json({
      access_token: minted.token,
      token_type: 'Bearer',
      expires_in: minted.exp === undefined ? null : minted.exp - minted.iat,
      expires_at: minted.exp === undefined ? null : new Date(minted.exp * 1000).toISOString(),
      custom_profile_id: minted.customProfileId,
    } satisfies z.input<typeof ProfileTokenAnswer>);
  };
  router.use(guards);
  router.get('/token', tokenLimit, issueToken);
  router.post('/token', tokenLimit, issueToken);
  return router;
}
