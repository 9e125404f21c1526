import { z } from 'zod';
import type { HttpProblem } from '../http/http-problem';
import { problems as P, type ProviderNames } from '../http/problems';
import { BEARER, COOKIE_CSRF, type PathContext } from './operation-parts';

/** The methods a proxy path forwards (the ones CORS lets a browser send). */
export const PROXY_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Each OAuth provider's /<name>/api/{path}, with the problems a grant's Bearer can meet. */
export function registerProxyPaths(
  ctx: PathContext,
  oauthProviders: readonly ProviderNames[],
): void {
  for (const provider of oauthProviders) {
    registerProxy(ctx, provider, `${provider.name.toUpperCase()}_API_URL`, [
      P.notConnected(provider),
      P.reauthorizationRequired(provider),
      // A refresh the provider answered but we may not use: our client refused, another subject.
      P.providerError(provider, 'refresh the grant'),
      P.providerUnavailable(provider, 'refresh the grant', ctx.limits.providerRetryAfterSeconds),
      P.providerTimeout(provider, 'refresh the grant'),
      P.notConfigured(provider),
    ]);
  }
}

/** /<name>/api/{path}: every method the proxy forwards, and the problems it can answer. */
export function registerProxy(
  { register, problems }: PathContext,
  { name, label }: ProviderNames,
  upstream: string,
  extra: HttpProblem[],
): void {
  for (const method of PROXY_METHODS) {
    register({
      method,
      path: `/${name}/api/{path}`,
      operationId: `${method}${label.replace(/\W/g, '')}Api`,
      tags: [name],
      summary: `${method.toUpperCase()} ${upstream}/{path} with the session's ${label} token`,
      description: `Forwards to ${upstream}/{path} (query string and body too, streamed both ways) with the session's Bearer token; the caller's Cookie and Authorization never reach the upstream. The answer is the upstream's, as it sent it (status, body, content type), including its own 4xx/5xx.`,
      security: [COOKIE_CSRF, BEARER],
      request: {
        params: z.object({
          path: z.string().meta({
            description:
              'The rest of the upstream path. Its `/` may be sent as is or percent-encoded as `%2F` (generated clients encode it): either way the upstream gets `/`, after the same checks (no `.` or `..` segment, no empty segment, no `%5C`, no double encoding, under `*_API_PATHS`).',
            example: 'users/profile',
          }),
        }),
        ...(method !== 'get' && {
          body: { required: false, content: { '*/*': { schema: {} } } },
        }),
      },
      responses: {
        default: {
          description: "The upstream's answer, passed through.",
          content: { '*/*': { schema: {} } },
        },
      },
      problems: [...problems.GUARDED, ...problems.USER, ...problems.PROXY, ...extra],
    });
  }
}
