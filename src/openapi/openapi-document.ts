import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Config } from '../config';
import { ConsoleConfig } from '../console/console-schemas';
import type { HttpProblem } from '../http/http-problem';
import { ProblemBodySchema } from '../http/problem-schema';
import { problems as P, type ProviderNames } from '../http/problems';
import { LIKECOIN } from '../likecoin/mount-likecoin';
import { ProfileTokenAnswer } from '../livelike/livelike-schemas';
import { LIVELIKE } from '../livelike/mount-livelike';
import {
  AuthorizeAnswer,
  AuthorizeQuery,
  AuthorizeRequest,
  CallbackQuery,
  CompleteRequest,
  ConnectionQuery,
  ConnectionViewSchema,
} from '../oauth/oauth-schemas';
import { HealthAnswer, ReadyAnswer } from '../ops/ops-schemas';
import {
  DevicesAnswer,
  EndSessionsQuery,
  LoginAnswer,
  LoginRequest,
  SessionHandleParams,
  SessionTokens,
  SessionViewBase,
} from '../session/session-schemas';
import { catalogueCodes } from './problem-codes';
import { ProblemExamples, problemResponses } from './problem-responses';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The methods a proxy path forwards (the ones CORS lets a browser send). */
export const PROXY_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Answered before any route is chosen, so on every path (listed once, in the description). */
const TRANSPORT_PROBLEMS = [
  P.badRequest(),
  P.requestTimeout(),
  P.headersTooLarge(),
  P.tooManyHeaders(DEFAULT_LIMITS.maxHeaderCount),
  P.invalidPath('Send an origin-form request target (a path).'),
  P.notFound(),
  P.internalError(),
];

type Security = Record<string, string[]>;
const NONE: Security = {};
const COOKIE: Security = { sessionCookie: [] };
const COOKIE_CSRF: Security = { sessionCookie: [], csrfHeader: [] };
const BEARER: Security = { bearerSession: [] };

interface Operation extends Omit<RouteConfig, 'responses'> {
  responses: RouteConfig['responses'];
  /** Every problem the operation can answer with (internal_error is added to all). */
  problems: HttpProblem[];
}

/**
 * The OpenAPI 3.1 description of every endpoint this app serves (GET /openapi.json), from the
 * zod schemas the handlers validate their input with, and the problem catalogue's factories.
 */
export function buildOpenApiDocument(config: Config): OpenApiDocument {
  const { limits } = config;
  const registry = new OpenAPIRegistry();
  const oauthProviders: ProviderNames[] = [LIKECOIN];
  const allCodes = catalogueCodes([LIVELIKE, ...oauthProviders]);
  const Problem = ProblemBodySchema.extend({
    code: z.enum(allCodes as [string, ...string[]]).meta({
      description: 'Stable, snake_case: what a client branches on.',
      example: 'not_authenticated',
    }),
  }).meta({ id: 'Problem' });

  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: config.session.cookieName,
    description:
      'The HttpOnly session cookie (browsers). Every call but GET /session and the navigations (GET /likecoin/authorize, /likecoin/callback) must also send X-CSRF: 1.',
  });
  registry.registerComponent('securitySchemes', 'csrfHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF',
    description:
      'Must be `1` on cookie-carried calls: a custom header forces a CORS preflight, so only CORS_ORIGINS can send it. Bearer-carried calls need none.',
  });
  registry.registerComponent('securitySchemes', 'bearerSession', {
    type: 'http',
    scheme: 'bearer',
    description:
      "`Authorization: Bearer <session_token>` (apps without a cookie jar). When present it is the request's credential and any cookie is ignored.",
  });

  // What the session chain, its guards and JSON bodies can answer.
  const STORE = [P.storeUnavailable(limits.storeRetryAfterSeconds)];
  const DEAD = [P.invalidSessionToken(), P.invalidSessionCookie()];
  const CSRF = [P.csrfRejected('Cookie-authenticated calls must send the header X-CSRF: 1.')];
  const JSON_BODY = [
    P.unsupportedMediaType('Send the body as application/json.'),
    P.invalidJson(),
    P.invalidRequest('The request body must be a JSON object.'),
    P.payloadTooLarge(),
    P.requestAborted(),
    P.invalidContentLength(),
    P.invalidBody(),
  ];
  const USER = [P.notAuthenticated()];
  const GUARDED = [...STORE, ...DEAD, ...CSRF];
  const PROXY = [
    P.invalidPath(),
    P.pathNotAllowed(),
    P.payloadTooLarge('The request body is too large to forward.'),
    P.upstreamUnavailable(),
    P.upstreamTimeout(),
  ];

  const SessionView = SessionViewBase.extend(
    Object.fromEntries(oauthProviders.map((p) => [p.name, ConnectionViewSchema])),
  ).meta({ id: 'SessionView' });
  const CompleteAnswer = SessionView.extend(SessionTokens.shape).meta({ id: 'CompleteAnswer' });

  const json = (schema: z.ZodType, description: string) => ({
    description,
    content: { 'application/json': { schema } },
  });
  const jsonBody = (schema: z.ZodType) => ({
    required: true,
    content: { 'application/json': { schema } },
  });
  const noContent = (description: string) => ({ description });
  const redirect = (description: string) => ({
    description,
    headers: {
      Location: {
        description: 'Where the browser goes next.',
        required: true,
        schema: { type: 'string' as const },
      },
    },
  });

  const examples = new ProblemExamples();
  const problemCodes = new Map<string, ReturnType<typeof problemResponses>>();
  const register = (op: Operation) => {
    const found = [...op.problems, P.internalError()];
    const errors = problemResponses(found, Problem, examples);
    const codes = [...new Set(found.map((p) => p.code))];
    const { problems: _problems, ...route } = op;
    registry.registerPath({
      ...route,
      description:
        `${op.description ?? ''}\n\nProblem codes: ${codes.map((c) => `\`${c}\``).join(', ')}.`.trim(),
      responses: {
        ...op.responses,
        ...Object.fromEntries(Object.entries(errors).map(([s, e]) => [s, e.response])),
      },
    });
    problemCodes.set(`${op.method} ${op.path}`, errors);
  };

  // Operations
  register({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tags: ['operations'],
    summary: 'Liveness: 200 while the process runs',
    responses: { 200: json(HealthAnswer, 'The process runs.') },
    problems: [],
  });
  register({
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    tags: ['operations'],
    summary: 'Readiness: 200 when the store answers, else 503',
    responses: { 200: json(ReadyAnswer, 'The store answered.') },
    problems: STORE,
  });
  register({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition format.',
        content: { 'text/plain': { schema: z.string() } },
      },
    },
    problems: [],
  });
  register({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tags: ['operations'],
    summary: 'This document',
    responses: {
      200: {
        description: 'OpenAPI 3.1, generated from the schemas that validate requests.',
        content: {
          'application/json': {
            schema: z.looseObject({ openapi: z.string(), info: z.object({}), paths: z.object({}) }),
          },
        },
      },
    },
    problems: [],
  });

  if (config.console.enabled) {
    const asset = (file: string, mediaType: string, summary: string) =>
      register({
        method: 'get',
        path: `/console${file}`,
        operationId: `console${file.replace(/\W+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
        tags: ['console'],
        summary,
        responses: {
          200: { description: summary, content: { [mediaType]: { schema: z.string() } } },
        },
        problems: [],
      });
    asset('', 'text/html', 'The developer console (CONSOLE_ENABLED)');
    asset('/console.css', 'text/css', "The console's style sheet");
    asset('/console.js', 'text/javascript', "The console's script");
    register({
      method: 'get',
      path: '/console/config.json',
      operationId: 'consoleConfig',
      tags: ['console'],
      summary: 'What the console needs to know about this service',
      responses: { 200: json(ConsoleConfig, 'The console configuration.') },
      problems: [],
    });
  }

  // Sessions
  register({
    method: 'post',
    path: '/session',
    operationId: 'login',
    tags: ['sessions'],
    summary: "Sign in with the app's ID token",
    description:
      "Verifies the ID token (APP_JWT_*) and starts a fresh session (a new id, whatever the request carried) whose user is the token's user claim. Sets the session cookie.",
    security: [NONE, COOKIE_CSRF, BEARER],
    request: { body: jsonBody(LoginRequest) },
    responses: { 200: json(LoginAnswer, 'Signed in; the session cookie is set too.') },
    problems: [
      ...STORE,
      ...CSRF,
      ...JSON_BODY,
      P.invalidRequest('Send { "id_token": "<JWT>" }.'),
      P.invalidIdToken('The token could not be verified.'),
      P.invalidUserId("The token's user claim must be a string or integer of 1 to 255 characters."),
      P.appLoginNotConfigured(),
      P.identityProviderUnavailable(limits.providerRetryAfterSeconds),
    ],
  });
  register({
    method: 'get',
    path: '/session',
    operationId: 'getSession',
    tags: ['sessions'],
    summary: 'Who is signed in, and what each provider link looks like',
    security: [NONE, COOKIE, BEARER],
    responses: { 200: json(SessionView, 'The session (authenticated: false without one).') },
    problems: [...STORE, ...DEAD],
  });
  register({
    method: 'delete',
    path: '/session',
    operationId: 'logout',
    tags: ['sessions'],
    summary: 'End this session everywhere (store entry, provider links, cookie)',
    security: [NONE, COOKIE_CSRF, BEARER],
    responses: { 204: noContent('Ended (also when there was none).') },
    problems: GUARDED,
  });
  register({
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    tags: ['sessions'],
    summary: "The user's live sessions (devices), newest first",
    security: [COOKIE_CSRF, BEARER],
    responses: { 200: json(DevicesAnswer, 'The sessions of the signed-in user.') },
    problems: [...GUARDED, ...USER],
  });
  register({
    method: 'delete',
    path: '/sessions',
    operationId: 'endSessions',
    tags: ['sessions'],
    summary: 'Log out everywhere (`?keep=current`: every other device)',
    security: [COOKIE_CSRF, BEARER],
    request: { query: EndSessionsQuery },
    responses: { 204: noContent('Ended.') },
    problems: [...GUARDED, ...USER, P.invalidRequest('keep takes one value: current.')],
  });
  register({
    method: 'delete',
    path: '/sessions/{id}',
    operationId: 'endSession',
    tags: ['sessions'],
    summary: 'End one session of the same user',
    security: [COOKIE_CSRF, BEARER],
    request: { params: SessionHandleParams },
    responses: { 204: noContent('Ended.') },
    problems: [...GUARDED, ...USER, P.notFound('No such session of yours.')],
  });

  // LiveLike
  const liveLike = [...GUARDED, ...USER, P.notConfigured(LIVELIKE)];
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

  // OAuth providers
  for (const provider of oauthProviders) {
    const base = `/${provider.name}`;
    const tag = provider.name;
    const notConfigured = P.notConfigured(provider);
    const flowStart = [
      P.invalidReturnTo('return_to is not an allowed URL.'),
      P.invalidScope('scope must be a space-separated list.'),
    ];
    const exchange = [
      P.providerError(provider, 'exchange the code'),
      P.providerTimeout(provider, 'exchange the code'),
    ];
    register({
      method: 'get',
      path: `${base}/authorize`,
      operationId: `${provider.name}Authorize`,
      tags: [tag],
      summary: `Start ${provider.label} sign-in or linking (a browser navigation)`,
      description: `302 to ${provider.label}'s authorization page with client_id, scope, redirect_uri and state. A session is created if there is none.`,
      security: [NONE, COOKIE, BEARER],
      request: { query: AuthorizeQuery },
      responses: { 302: redirect(`To ${provider.label}'s authorization page.`) },
      problems: [...STORE, ...DEAD, ...flowStart, notConfigured],
    });
    register({
      method: 'post',
      path: `${base}/authorize`,
      operationId: `${provider.name}AuthorizeUrl`,
      tags: [tag],
      summary: `Start ${provider.label} sign-in or linking (apps): the URL to open`,
      security: [NONE, COOKIE_CSRF, BEARER],
      request: { body: jsonBody(AuthorizeRequest) },
      responses: { 200: json(AuthorizeAnswer, 'Open it in a (system) browser.') },
      problems: [...GUARDED, ...JSON_BODY, ...flowStart, notConfigured],
    });
    register({
      method: 'get',
      path: `${base}/callback`,
      operationId: `${provider.name}Callback`,
      tags: [tag],
      summary: `Where ${provider.label} sends the browser back`,
      description:
        'Validates state (once), exchanges the code, then 302 to return_to: signed in, with `error=access_denied|provider_error`, or (a flow an app started) with `result=<one-time handle>` for POST …/complete. Answers carry Cache-Control: no-store and Referrer-Policy: no-referrer.',
      security: [NONE, COOKIE],
      request: { query: CallbackQuery },
      responses: { 302: redirect('To return_to.') },
      problems: [
        ...STORE,
        ...DEAD,
        P.invalidState(),
        P.invalidRequest('The provider sent no usable authorization code.'),
        ...exchange,
        notConfigured,
      ],
    });
    register({
      method: 'post',
      path: `${base}/complete`,
      operationId: `${provider.name}Complete`,
      tags: [tag],
      summary: 'Finish a flow an app started, under the same bearer session',
      description:
        'The answer carries a new session_token (a login always issues a new session id): switch to it.',
      security: [BEARER],
      request: { body: jsonBody(CompleteRequest) },
      responses: { 200: json(CompleteAnswer, 'Connected; the new session.') },
      problems: [...GUARDED, ...JSON_BODY, P.invalidState(), ...exchange, notConfigured],
    });
    register({
      method: 'delete',
      path: `${base}/connection`,
      operationId: `${provider.name}Disconnect`,
      tags: [tag],
      summary: `Unlink this session from its ${provider.label} grant`,
      description:
        '`?everywhere=true` forgets the grant for every session of that account; otherwise the grant lives on while other sessions use it.',
      security: [NONE, COOKIE_CSRF, BEARER],
      request: { query: ConnectionQuery },
      responses: { 204: noContent('Unlinked (also when there was no link).') },
      problems: [...GUARDED, P.invalidRequest('everywhere must be a single value.'), notConfigured],
    });
  }

  // Proxies
  const proxied = (name: string, label: string, upstream: string, extra: HttpProblem[]) => {
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
              description: 'The rest of the upstream path (may contain `/`).',
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
        problems: [...GUARDED, ...USER, ...PROXY, ...extra],
      });
    }
  };
  proxied(LIVELIKE.name, LIVELIKE.label, 'LIVELIKE_API_URL', [
    P.invalidProfileId('The user id is longer than 255 characters.'),
    P.notConfigured(LIVELIKE),
  ]);
  for (const provider of oauthProviders) {
    proxied(provider.name, provider.label, `${provider.name.toUpperCase()}_API_URL`, [
      P.notConnected(provider),
      P.reauthorizationRequired(provider),
      P.providerUnavailable(provider, 'refresh the grant', limits.providerRetryAfterSeconds),
      P.providerTimeout(provider, 'refresh the grant'),
      P.notConfigured(provider),
    ]);
  }

  for (const [key, example] of examples.entries()) {
    registry.registerComponent('examples', key, example);
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'token-bff',
      version: packageVersion(),
      description: [
        'A backend-for-frontend that keeps LiveLike and LikeCoin client secrets on the server.',
        'Every error is `application/problem+json` (`Problem`) with a stable `code`; each operation lists the codes it can answer, and each error response carries them as `x-problem-codes`.',
        `Any request may also meet, before a route is chosen: ${TRANSPORT_PROBLEMS.map((p) => `${p.status} \`${p.code}\``).join(', ')}.`,
      ].join('\n\n'),
    },
    servers: [{ url: config.publicBaseUrl.href.replace(/\/$/, '') }],
    tags: [
      { name: 'sessions', description: 'Sign in, the session, devices' },
      { name: 'livelike', description: 'LiveLike profile tokens and API proxy' },
      ...oauthProviders.map((p) => ({
        name: p.name,
        description: `${p.label} OAuth sign-in/linking and API proxy`,
      })),
      { name: 'operations', description: 'Probes, metrics, this document' },
      ...(config.console.enabled ? [{ name: 'console', description: 'Developer console' }] : []),
    ],
  });
  addProblemCodes(document, problemCodes);
  return document;
}

/** `x-problem-codes` on each error response (zod-to-openapi has no field for extensions). */
function addProblemCodes(
  document: OpenApiDocument,
  byOperation: Map<string, ReturnType<typeof problemResponses>>,
): void {
  for (const [key, errors] of byOperation) {
    const [method, route] = key.split(' ') as [string, string];
    const operation = document.paths?.[route]?.[method as 'get'];
    for (const [status, { codes }] of Object.entries(errors)) {
      const response = operation?.responses?.[status] as Record<string, unknown> | undefined;
      if (response) response['x-problem-codes'] = codes;
    }
  }
}

function packageVersion(): string {
  try {
    const file = path.resolve(__dirname, '..', '..', 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
