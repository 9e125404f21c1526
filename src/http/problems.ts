import { HttpProblem } from './http-problem';

/**
 * Every problem the service answers with, one factory per code; each `code` is written here
 * once (README's error table lists them). Provider problems take the provider's name and label,
 * so a second OAuth provider gets its own codes (`<name>_not_connected`, …) without new entries.
 */

export interface ProviderNames {
  /** The code prefix and key namespace, e.g. `likecoin`. */
  readonly name: string;
  /** How users know it, e.g. `LikeCoin`. */
  readonly label: string;
}

const retryAfter = (seconds: number) => ({ 'Retry-After': String(seconds) });

export const problems = {
  // Requests that are not what they should be
  badRequest: () => new HttpProblem(400, 'bad_request', 'The request is not valid HTTP.'),
  invalidRequest: (detail: string) => new HttpProblem(400, 'invalid_request', detail),
  invalidJson: () => new HttpProblem(400, 'invalid_json', 'The request body is not valid JSON.'),
  invalidBody: (detail = 'The request body could not be read.') =>
    new HttpProblem(400, 'invalid_body', detail),
  requestAborted: () => new HttpProblem(400, 'request_aborted', 'The request body was cut short.'),
  invalidContentLength: () =>
    new HttpProblem(400, 'invalid_content_length', 'Content-Length does not match the body.'),
  invalidPath: (detail = 'The path is not allowed through the proxy.') =>
    new HttpProblem(400, 'invalid_path', detail),
  invalidReturnTo: (detail: string) => new HttpProblem(400, 'invalid_return_to', detail),
  invalidScope: (detail: string) => new HttpProblem(400, 'invalid_scope', detail),
  invalidState: () =>
    new HttpProblem(
      400,
      'invalid_state',
      'This sign-in link is unknown, expired, already used or not yours.',
    ),
  invalidLogoutToken: (detail: string) => new HttpProblem(400, 'invalid_logout_token', detail),
  notFound: (detail = 'No such endpoint.') => new HttpProblem(404, 'not_found', detail),
  requestTimeout: () =>
    new HttpProblem(408, 'request_timeout', 'The request took too long to arrive.'),
  payloadTooLarge: (detail = 'The request body is too large.') =>
    new HttpProblem(413, 'payload_too_large', detail),
  unsupportedMediaType: (detail = 'Unsupported body encoding or charset.') =>
    new HttpProblem(415, 'unsupported_media_type', detail),
  invalidUserId: (detail: string) => new HttpProblem(422, 'invalid_user_id', detail),
  invalidProfileId: (detail: string) => new HttpProblem(422, 'invalid_profile_id', detail),
  tooManyHeaders: (max: number) =>
    new HttpProblem(431, 'too_many_headers', `Send at most ${max} request headers.`),
  headersTooLarge: () =>
    new HttpProblem(431, 'headers_too_large', 'The request headers are too large.'),

  // Who is asking
  notAuthenticated: () => new HttpProblem(401, 'not_authenticated', 'Sign in first.'),
  invalidIdToken: (detail: string) => new HttpProblem(401, 'invalid_id_token', detail),
  invalidSessionToken: () =>
    new HttpProblem(
      401,
      'invalid_session_token',
      'The session token is not valid or has expired.',
      {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      },
    ),
  invalidSessionCookie: () =>
    new HttpProblem(
      401,
      'invalid_session_cookie',
      'The session cookie is not valid; it has been cleared.',
    ),
  pathNotAllowed: () =>
    new HttpProblem(403, 'path_not_allowed', 'This path is not one the proxy forwards.'),
  csrfRejected: (detail: string) => new HttpProblem(403, 'csrf_rejected', detail),
  rateLimited: (retryAfterSeconds: number) =>
    new HttpProblem(
      429,
      'rate_limited',
      'Too many requests; slow down.',
      retryAfter(retryAfterSeconds),
    ),

  // Us, and the services behind us
  internalError: () => new HttpProblem(500, 'internal_error', 'Something went wrong on our side.'),
  storeUnavailable: (retryAfterSeconds: number) =>
    new HttpProblem(
      503,
      'store_unavailable',
      'The session store is unavailable; try again shortly.',
      retryAfter(retryAfterSeconds),
    ),
  appLoginNotConfigured: () =>
    new HttpProblem(
      503,
      'app_login_not_configured',
      'Set APP_JWT_SECRET or APP_JWKS_URL to enable POST /session.',
    ),
  identityProviderUnavailable: (retryAfterSeconds: number) =>
    new HttpProblem(
      503,
      'identity_provider_unavailable',
      "The identity provider's keys could not be fetched.",
      retryAfter(retryAfterSeconds),
    ),
  upstreamUnavailable: () =>
    new HttpProblem(502, 'upstream_unavailable', 'The upstream API could not be reached.'),
  upstreamTimeout: () =>
    new HttpProblem(504, 'upstream_timeout', 'The upstream API did not answer in time.'),

  // A provider (LiveLike, LikeCoin, …)
  notConfigured: (p: ProviderNames) =>
    new HttpProblem(503, `${p.name}_not_configured`, `${p.label} credentials are not configured.`),
  notConnected: (p: ProviderNames) =>
    new HttpProblem(401, `${p.name}_not_connected`, `Connect a ${p.label} account first.`),
  reauthorizationRequired: (p: ProviderNames) =>
    new HttpProblem(
      401,
      `${p.name}_reauthorization_required`,
      `${p.label} no longer accepts this grant; connect again.`,
    ),
  /** The provider refused or failed a token call (`doing`: what we asked it to do). */
  providerError: (p: ProviderNames, doing: string, providerCode?: string) =>
    new HttpProblem(
      502,
      'provider_error',
      `${p.label} refused or failed to ${doing}${providerCode ? ` (${providerCode})` : ''}.`,
    ),
  providerTimeout: (p: ProviderNames, doing: string) =>
    new HttpProblem(
      504,
      'provider_timeout',
      `${p.label} did not answer in time when asked to ${doing}.`,
    ),
  providerUnavailable: (p: ProviderNames, doing: string, retryAfterSeconds: number) =>
    new HttpProblem(
      503,
      'provider_unavailable',
      `${p.label} could not ${doing} just now.`,
      retryAfter(retryAfterSeconds),
    ),
} as const;
