import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Config } from '../config';
import { ProblemBodySchema } from '../http/problem-schema';
import { problems as P, type ProviderNames } from '../http/problems';
import { ConnectionViewSchema } from '../oauth/oauth-schemas';
import { SessionTokens, SessionViewBase } from '../session/session-schemas';
import { commonProblems, type PathContext } from './operation-parts';
import { createPathRegistrar, type OpenApiDocument } from './path-registrar';
import { catalogueCodes } from './problem-codes';
import { registerConsolePaths, registerFrontendClientPath } from './register-console-paths';
import { registerOAuthPaths } from './register-oauth-paths';
import { registerOpsPaths } from './register-ops-paths';
import { registerProxyPaths } from './register-proxy-paths';
import { registerDevicePaths, registerSessionPaths } from './register-session-paths';

export type { OpenApiDocument } from './path-registrar';

/** A provider, as the document needs it (src/providers.ts's descriptors are such). */
export interface DocumentedProvider extends ProviderNames {
  /** Its tag's description. */
  readonly summary: string;
  /** An OAuth code-flow provider, documented as every such one. */
  readonly oauth?: { readonly codeParams: readonly [string, ...string[]] };
  /** Documents the paths only this provider has. */
  registerPaths?(ctx: PathContext): void;
}
export { PROXY_METHODS } from './register-proxy-paths';

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

/**
 * The OpenAPI 3.1 description of every endpoint this app serves (GET /openapi.json), from the
 * zod schemas the handlers validate their input with, and the problem catalogue's factories.
 */
export function buildOpenApiDocument(
  config: Config,
  providers: readonly DocumentedProvider[],
): OpenApiDocument {
  const oauthProviders = providers.filter((p) => p.oauth !== undefined);
  const registry = new OpenAPIRegistry();
  const problemSchema = problemBodySchema(providers);
  registerSecuritySchemes(registry, config.session.cookieName);
  const registrar = createPathRegistrar(registry, problemSchema);
  const { limits } = config;
  const ctx: PathContext = {
    register: registrar.register,
    limits,
    problems: commonProblems(limits),
  };
  const { sessionView, completeAnswer } = sessionAnswerSchemas(oauthProviders);

  registerOpsPaths(ctx);
  if (config.console.enabled) registerConsolePaths(ctx);
  registerFrontendClientPath(ctx);
  registerSessionPaths(ctx, sessionView);
  registerDevicePaths(ctx);
  for (const provider of providers) provider.registerPaths?.(ctx);
  for (const provider of oauthProviders) {
    const { codeParams } = provider.oauth!;
    registerOAuthPaths(ctx, provider, codeParams, completeAnswer);
  }
  registerProxyPaths(ctx, oauthProviders);

  registrar.registerExamples();
  const document = generate(registry, config, providers);
  registrar.addProblemCodes(document);
  return document;
}

/** `Problem`, its code an enum of every code the catalogue can answer with. */
function problemBodySchema(providers: readonly ProviderNames[]) {
  const allCodes = catalogueCodes(providers);
  return ProblemBodySchema.extend({
    code: z.enum(allCodes as [string, ...string[]]).meta({
      description: 'Stable, snake_case: what a client branches on.',
      example: 'not_authenticated',
    }),
  }).meta({ id: 'Problem' });
}

/** The session's view has a link entry per OAuth provider; POST …/complete adds the tokens. */
function sessionAnswerSchemas(oauthProviders: readonly ProviderNames[]) {
  const sessionView = SessionViewBase.extend(
    Object.fromEntries(oauthProviders.map((p) => [p.name, ConnectionViewSchema])),
  ).meta({ id: 'SessionView' });
  const completeAnswer = sessionView.extend(SessionTokens.shape).meta({ id: 'CompleteAnswer' });
  return { sessionView, completeAnswer };
}

function registerSecuritySchemes(registry: OpenAPIRegistry, cookieName: string): void {
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: cookieName,
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
}

function generate(
  registry: OpenAPIRegistry,
  config: Config,
  providers: readonly DocumentedProvider[],
): OpenApiDocument {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
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
      ...providers.map((p) => ({ name: p.name, description: p.summary })),
      { name: 'operations', description: 'Probes, metrics, this document' },
      ...(config.console.enabled ? [{ name: 'console', description: 'Developer console' }] : []),
    ],
  });
}

function packageVersion(): string {
  try {
    const file = path.resolve(__dirname, '..', '..', 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
