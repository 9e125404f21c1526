import { z } from 'zod';
import { DEFAULT_LIMITS } from '../config/limits';

/** What /session and /sessions read and answer: the handlers' checks, and their documentation. */

const ID_TOKEN_HINT = 'Send { "id_token": "<JWT>" }.';
const ISO_TIME = z.iso.datetime();

export const LoginRequest = z
  .object({
    id_token: z
      .string({ error: ID_TOKEN_HINT })
      .min(1, ID_TOKEN_HINT)
      .max(DEFAULT_LIMITS.idTokenBytes, ID_TOKEN_HINT)
      .meta({
        description:
          "A JWT from the app's identity provider (APP_JWT_SECRET: HS256; APP_JWKS_URL: the key's own asymmetric algorithm).",
        example: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjE4MDAwMDAwMDB9.c2lnbmF0dXJl',
      }),
  })
  .meta({ id: 'LoginRequest' });

/** A new session's credentials: for clients without a cookie jar, and the cookie's expiry. */
export const SessionTokens = z.strictObject({
  session_token: z.string().meta({
    description: 'Send as `Authorization: Bearer <session_token>` (clients without cookies).',
    example: 's:5f0c8e3e-9c1b-4c7a-a3d5-1c2b3d4e5f60.aGVsbG8',
  }),
  expires_at: ISO_TIME.meta({
    description: 'When the session ends if left idle (or at its absolute end, if sooner).',
    example: '2026-11-25T10:00:00.000Z',
  }),
});

export const LoginAnswer = z
  .strictObject({
    user: z.strictObject({ id: z.string().min(1).max(255).meta({ example: 'user-1' }) }),
    ...SessionTokens.shape,
  })
  .meta({ id: 'LoginAnswer' });

export const SessionUser = z
  .strictObject({
    id: z.string().min(1).max(255).meta({ example: 'user-1' }),
    source: z.string().meta({
      description: '`app` (POST /session), or the OAuth provider the user signed in with.',
      example: 'app',
    }),
  })
  .meta({ id: 'SessionUser' });

/** GET /session's own part; each provider adds its connection (see GET /openapi.json). */
// A union, not .nullable(): zod-to-openapi would make the SessionUser component itself nullable.
export const SessionViewBase = z.strictObject({
  authenticated: z.boolean(),
  user: z.union([SessionUser, z.null()]),
});

export const DevicesAnswer = z
  .strictObject({
    sessions: z.array(
      z.strictObject({
        id: z.string().meta({
          description: 'An opaque handle for DELETE /sessions/{id}; never a credential.',
          example: 'Jq0b7Zr3kq2y8s4G1xv1m7l0dQ8m5n2bC6t9e3WfYhU',
        }),
        current: z.boolean(),
        carrier: z.enum(['cookie', 'bearer']),
        created_at: ISO_TIME,
        last_seen_at: ISO_TIME.meta({
          description: 'May lag by the idle-extension interval.',
        }),
        user_agent: z.string(),
      }),
    ),
    next_cursor: z.string().nullable().meta({
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  })
  .meta({ id: 'DevicesAnswer' });

export const DevicesQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(DEFAULT_LIMITS.devicesPageSize)
    .optional()
    .meta({ description: `Devices a page, 1 to ${DEFAULT_LIMITS.devicesPageSize} (the default).` }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .meta({ description: "The previous page's `next_cursor`." }),
});

export const EndSessionsQuery = z.object({
  keep: z
    .enum(['current'], { error: 'keep takes one value: current.' })
    .optional()
    .meta({ description: '`current`: end every session of the user but this one.' }),
});

export const SessionHandleParams = z.object({
  id: z.string().meta({ description: 'A handle from GET /sessions.' }),
});
