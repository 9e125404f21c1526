import type { Express, Request, RequestHandler } from 'express';
import type { Config } from '../config';
import type { RateLimiters } from '../http/rate-limits';
import type { SessionLifecycleDeps } from './session-lifecycle';
import { deviceRoutes, sessionRoutes, type SessionRoutesDeps } from './session-routes';
import { createAppTokenVerifier } from './verify-app-token';

/** Every path whose routes read or write a session: /session(s), and each provider's. */
export function sessionBoundPaths(
  providers: readonly SessionBoundProvider[],
  config: Config,
): string[] {
  return [
    '/session',
    '/sessions',
    ...providers.flatMap((p) => p.sessionPaths?.(config) ?? [`/${p.name}`]),
  ];
}

/** A provider's name, and its session-bound paths when they are not /<name>. */
export interface SessionBoundProvider {
  name: string;
  sessionPaths?(config: Config): string[];
}

export interface SessionMountDeps {
  config: Config;
  /** Every provider: each one's /<name> is session-bound. */
  providers: readonly SessionBoundProvider[];
  /** Providers whose users are `<name>:<id>`: no app user id may read as one. */
  signInProviders: readonly string[];
  sessionChain: RequestHandler[];
  rateLimits: Pick<RateLimiters, 'login'>;
  lifecycle: SessionLifecycleDeps;
  csrf: RequestHandler;
  rejectDeadCredential: RequestHandler;
  describeProviders: (req: Request) => Promise<Record<string, unknown>>;
}

/** The session chain on every session-bound path, then /session (login, logout) and /sessions. */
export function mountSessions(app: Express, ctx: SessionMountDeps): void {
  const { config } = ctx;
  app.use(sessionBoundPaths(ctx.providers, config), ctx.sessionChain);
  // Before the login's work: a client over its limit gets 429 and no session.
  app.post('/session', ctx.rateLimits.login);
  const deps: SessionRoutesDeps = {
    config: config.session,
    jsonBodyBytes: config.limits.jsonBodyBytes,
    lifecycle: ctx.lifecycle,
    verifyAppToken:
      config.appJwt &&
      createAppTokenVerifier(config.appJwt, config.limits, ctx.signInProviders, ctx.lifecycle.now),
    csrf: ctx.csrf,
    rejectDeadCredential: ctx.rejectDeadCredential,
    describeProviders: ctx.describeProviders,
  };
  app.use('/session', sessionRoutes(deps));
  app.use('/sessions', deviceRoutes(deps));
}
