import { problems as P } from '../http/problems';
import { ProfileTokenAnswer } from '../livelike/livelike-schemas';
import { LIVELIKE } from '../livelike/mount-livelike';
import { BEARER, COOKIE_CSRF, json, type PathContext } from './operation-parts';

/** GET and POST /livelike/token: a profile token for the session's user. */
export function registerLiveLikePaths({ register, problems }: PathContext): void {
  const liveLike = [...problems.GUARDED, ...problems.USER, P.notConfigured(LIVELIKE)];
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
}
