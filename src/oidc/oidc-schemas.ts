import { z } from 'zod';
import { DEFAULT_LIMITS } from '../config/limits';

/** What the relying party's routes (/login, /logout, /backchannel-logout) read. */

const RETURN_TO_HINT = `return_to must be a URL of at most ${DEFAULT_LIMITS.returnToLength} printable characters.`;

// Type checks only: parseReturnTo judges the value (ALLOWED_RETURN_TO).
export const ReturnToQuery = z.object({
  return_to: z.string({ error: RETURN_TO_HINT }).optional().meta({
    description:
      'Where the browser goes afterwards: an origin in ALLOWED_RETURN_TO (any path on it) or an exact URL listed there. Default: PUBLIC_BASE_URL.',
    example: 'https://app.example/done',
  }),
});

export const LogoutTokenForm = z
  .object({
    logout_token: z.string({ error: 'Send logout_token=<JWT> as a form body.' }).meta({
      description: "A logout token (JWT) signed by the app's identity provider.",
    }),
  })
  .meta({ id: 'BackchannelLogoutForm' });
