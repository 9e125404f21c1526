import type { Express } from 'express';
import type { AppContext } from '../app-context';
import { deviceRoutes, sessionRoutes, type SessionRoutesDeps } from './session-routes';
import { createAppTokenVerifier } from './verify-app-token';

/** Every path whose routes read or write a session: /session(s), and each provider's. */
export function sessionBoundPaths(providers: readonly { name: string }[]): string[] {
  return ['/session', '/sessions', ...providers.map((p) => `/${p.name}`)];
}

/** The session chain on every session-bound path, then /session (login, logout) and /sessions. */
export function mountSessions(app: Express, ctx: AppContext): void {
  const { config } = ctx;
  app.use(sessionBoundPaths(ctx.providers), ctx.sessionChain);
  // Before the login's work: a client over its limit gets 429 and no session.
  app.post('/session', ctx.rateLimits.login);
  const deps: SessionRoutesDeps = {
    config: config.session,
    jsonBodyBytes: config.limits.jsonBodyBytes,
    lifecycle: ctx.lifecycle,
    verifyAppToken:
      config.appJwt && createAppTokenVerifier(config.appJwt, config.limits, ctx.signInProviders),
    csrf: ctx.csrf,
    rejectDeadCredential: ctx.rejectDeadCredential,
    describeProviders: ctx.describeProviders,
  };
  app.use('/session', sessionRoutes(deps));
  app.use('/sessions', deviceRoutes(deps));
}
