import { z } from 'zod';
import { DEFAULT_LIMITS } from '../config/limits';

/** What an OAuth provider's routes (/<name>/…) read and answer. */

const RETURN_TO_HINT = `return_to must be a URL of at most ${DEFAULT_LIMITS.returnToLength} printable characters.`;
const SCOPE_HINT = 'scope must be a space-separated list.';

// Type checks only: parseReturnTo and parseScopes judge the values (allowed origins, scopes).
const FlowStart = {
  return_to: z.string({ error: RETURN_TO_HINT }).optional().meta({
    description:
      'Where the flow ends: an origin in ALLOWED_RETURN_TO (any path on it) or an exact URL listed there (`myapp://auth`). Default: PUBLIC_BASE_URL.',
    example: 'https://app.example/done',
  }),
  scope: z.string({ error: SCOPE_HINT }).optional().meta({
    description: 'Space-separated, a subset of the configured scopes (default: all of them).',
    example: 'profile',
  }),
};

export const AuthorizeQuery = z.object(FlowStart);
export const AuthorizeRequest = z.object(FlowStart).meta({ id: 'AuthorizeRequest' });

export const AuthorizeAnswer = z
  .strictObject({
    authorization_url: z.url().meta({
      description: "The provider's authorization page; open it in a (system) browser.",
      example:
        'https://like.co/in/oauth?client_id=my-client&scope=profile&redirect_uri=https%3A%2F%2Fbff.example%2Flikecoin%2Fcallback&state=Jq0b7Zr3kq2y8s4G1xv1m7l0dQ8m5n2bC6t9e3WfYhU',
    }),
  })
  .meta({ id: 'AuthorizeAnswer' });

const PROVIDER_CODE = 'The provider sent no usable authorization code.';

/**
 * The callback's query, with the code under each name the provider sends it (`codeParams`, the
 * standard `code` first; LikeCoin also sends `auth_code`).
 */
export function callbackQuery(codeParams: readonly [string, ...string[]]) {
  const [standard, ...older] = codeParams;
  const codes = Object.fromEntries([
    [
      standard,
      z.string({ error: PROVIDER_CODE }).optional().meta({
        description: 'The authorization code (when the user allowed).',
      }),
    ],
    ...older.map((name) => [
      name,
      z
        .string({ error: PROVIDER_CODE })
        .optional()
        .meta({
          description: `The code under an older name of the provider's (as \`${standard}\`).`,
        }),
    ]),
  ]) as Record<string, z.ZodOptional<z.ZodString>>;
  return z
    .object({
      state: z.string().optional().meta({
        description:
          'The state the flow started with. Only an `error` may come without one (a provider may drop it when its own API fails after the user said yes).',
      }),
      ...codes,
      error: z.string({ error: 'The provider sent an unreadable error.' }).optional().meta({
        description:
          "`denied` or `access_denied`: the user said no (⇒ `error=access_denied` at return_to); anything else ⇒ `error=provider_error`. Without a state, the browser goes to PUBLIC_BASE_URL's root with that error instead.",
      }),
    })
    .refine((q) => q.state !== undefined || q.error !== undefined, {
      path: ['state'],
      error: 'state is required (only a provider error may come without one).',
    });
}

export const CompleteRequest = z
  .object({
    result: z.string().meta({
      description: 'The one-time handle the callback appended to return_to.',
      example: 'Jq0b7Zr3kq2y8s4G1xv1m7l0dQ8m5n2bC6t9e3WfYhU',
    }),
  })
  .meta({ id: 'CompleteRequest' });

export const ConnectionQuery = z.object({
  everywhere: z.string({ error: 'everywhere must be a single value.' }).optional().meta({
    description: '`true`: forget the grant for every session of that account.',
    example: 'true',
  }),
});

/** What a client may know of the session's link to a provider: never a token. */
export const ConnectionViewSchema = z
  .strictObject({
    connected: z.boolean(),
    user: z.string().nullable().meta({ description: "The provider's user id (Liker ID)." }),
    displayName: z.string().nullable(),
    avatar: z.string().nullable(),
    scopes: z.array(z.string()),
  })
  .meta({ id: 'ProviderConnection' });
