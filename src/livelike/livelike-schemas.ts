import { z } from 'zod';

/** GET|POST /livelike/token's answer. */
export const ProfileTokenAnswer = z
  .strictObject({
    access_token: z.string().meta({
      description: 'An HS256 JWT: iss = LIVELIKE_CLIENT_ID, iat, custom_profile_id, exp.',
      example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjbGllbnQifQ.c2lnbmF0dXJl',
    }),
    token_type: z.literal('Bearer'),
    expires_in: z.int().nullable().meta({
      description: 'Seconds; null when LIVELIKE_TOKEN_TTL_SECONDS is 0 (no exp claim).',
      example: 3600,
    }),
    expires_at: z.iso.datetime().nullable().meta({ example: '2026-11-24T11:00:00.000Z' }),
    custom_profile_id: z.string().min(1).max(255).meta({ example: 'user-1' }),
  })
  .meta({ id: 'ProfileTokenAnswer' });
