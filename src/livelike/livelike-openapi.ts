import type { ProviderNames } from '../http/problems';
import { problems as P } from '../http/problems';
import { BEARER, COOKIE_CSRF, json, type PathContext } from '../openapi/operation-parts';
import { registerProxy } from '../openapi/register-proxy-paths';
import { ProfileTokenAnswer } from './livelike-schemas';

/** GET and POST /livelike/token (a profile token for the session's user), and /livelike/api. */
export function registerLiveLikePaths(ctx: PathContext, names: ProviderNames): void {
  const { register, problems } = ctx;
  const liveLike = [...problems.GUARDED, ...problems.USER, P.notConfigured(names)];
  for (const method of ['get', 'post'] as const) {
    register({
      method,
      path: '/livelike/token',
      operationId: `${method}LiveLikeToken`,
      tags: ['livelike'],
      summary: "A LiveLike profile token for the session's user",
      description:
        'An HS256 JWT signed with the LiveLike client secret; custom_profile_id is always the session user (never read from the request).',
      security: [COOKIE_CSRF, BEARER],
      responses: { 200: json(ProfileTokenAnswer, 'A fresh profile token.') },
      problems: [...liveLike, P.invalidProfileId('The user id is longer than 255 characters.')],
    });
  }
  registerProxy(ctx, names, 'LIVELIKE_API_URL', [
    P.invalidProfileId('The user id is longer than 255 characters.'),
    P.notConfigured(names),
  ]);
}
