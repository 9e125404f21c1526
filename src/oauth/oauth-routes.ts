import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Config } from '../config';
import { browserNavigation } from '../http/html-problem';
import { jsonBody } from '../http/json-body';
import { parseBody, parseInput, type FieldProblems } from '../http/parse-input';
import { problems } from '../http/problems';
import type { OAuthFlowLimiters } from '../http/rate-limits';
import { sessionExpiry, sessionToken } from '../session/session-lifecycle';
import { isLive } from '../session/session-data';
import { randomHandle } from './authorization-url';
import { beginFlow } from './begin-flow';
import { connectGrant, exchangeCode, type ConnectDeps } from './connect-grant';
import type { FlowStore } from './flow-store';
import { withParam } from './parse-return-to';
import {
  AuthorizeQuery,
  AuthorizeRequest,
  callbackQuery,
  CompleteRequest,
  ConnectionQuery,
  type AuthorizeAnswer,
} from './oauth-schemas';

// Each refusal keeps the code its field has always had.
const FLOW_START_FIELDS: FieldProblems = {
  return_to: problems.invalidReturnTo,
  scope: problems.invalidScope,
};
const STATE_FIELDS: FieldProblems = { state: () => problems.invalidState() };
const RESULT_FIELDS: FieldProblems = { result: () => problems.invalidState() };

export interface OAuthRoutesDeps extends ConnectDeps {
  config: Config;
  flows: FlowStore;
  /** How long a started flow may take; a session made for the flow lives no longer. */
  stateTtlMs: number;
  /** Per client IP, in front of each flow route's work. */
  rateLimits: OAuthFlowLimiters;
  now: () => number;
  csrf: RequestHandler;
  rejectDeadCredential: RequestHandler;
  /** Answers for a session, as GET /session and POST …/complete show them. */
  sessionView: (req: Request) => Promise<Record<string, unknown>>;
}

/**
 * The authorization-code flow for one provider: /authorize (a browser navigation, or JSON for
 * apps), /callback, /complete (apps finish their flow under their own bearer session) and
 * /connection (unlink).
 */
export function oauthRoutes(deps: OAuthRoutesDeps): Router {
  const { config, csrf, rateLimits } = deps;
  const router = Router();
  const jsonBodies = jsonBody(config.limits.jsonBodyBytes);
  // A browser comes back to the callback: its failures, a 429 included, are a page for it.
  router.use(
    '/callback',
    browserNavigation({
      heading: `${deps.provider.label} sign-in did not complete`,
      home: config.publicBaseUrl,
    }),
  );
  // Per client IP, first: a client over its limit gets 429 before any of the route's work.
  router.use('/authorize', rateLimits.authorize);
  router.use('/callback', rateLimits.callback);
  router.use('/complete', rateLimits.complete);
  router.use(deps.rejectDeadCredential);

  // A browser navigation: no CSRF header can come with it, and none is needed to start a flow.
  router.get('/authorize', async (req, res) => {
    const query = parseInput(AuthorizeQuery, req.query, FLOW_START_FIELDS);
    res.redirect(302, await beginFlow(req, deps, query.return_to, query.scope));
  });
  router.post('/authorize', csrf, ...jsonBodies, async (req, res) => {
    const body = parseBody(AuthorizeRequest, req.body, FLOW_START_FIELDS);
    res.json({
      authorization_url: await beginFlow(req, deps, body.return_to, body.scope),
    } satisfies z.input<typeof AuthorizeAnswer>);
  });
  router.get('/callback', callback(deps));
  router.post('/complete', csrf, ...jsonBodies, complete(deps));
  router.delete('/connection', csrf, disconnect(deps));
  return router;
}

/** The provider sends the browser back: a cookie flow is finished here, a bearer flow parked. */
function callback(deps: OAuthRoutesDeps): RequestHandler {
  const { flows, provider, config } = deps;
  const CallbackQuery = callbackQuery(provider.codeParams);
  return async (req, res) => {
    const query = parseInput(CallbackQuery, req.query, STATE_FIELDS);
    if (query.state === undefined) {
      // LikeCoin's consent page comes back with `error=<its text>` and no state when its own API
      // fails after the user said yes: no flow can be named, so none is taken, and the browser
      // goes home knowing which of two outcomes it was (never the provider's words).
      const home = new URL('/', config.publicBaseUrl);
      return redirect(res, withParam(home, 'error', outcomeOf(query.error)));
    }
    const flow = await flows.takePending(query.state);
    // A cookie flow must come back to the browser that started it; a bearer flow is finished
    // by its app (POST /complete), so whichever browser runs it proves nothing.
    if (!flow || (flow.carrier === 'cookie' && flow.sessionId !== req.sessionID))
      throw problems.invalidState();
    if (query.error !== undefined) {
      return redirect(res, withParam(flow.returnTo, 'error', outcomeOf(query.error)));
    }
    const params: Record<string, unknown> = query;
    const sent = provider.codeParams.map((name) => params[name]).find((c) => c !== undefined);
    const code = codeOf(sent, config.limits.authorizationCodeLength);
    if (flow.carrier === 'bearer') {
      const handle = randomHandle();
      await flows.saveReturned(handle, { ...flow, code });
      return redirect(res, withParam(flow.returnTo, 'result', handle));
    }
    await connectGrant(req, deps, flow, await exchangeCode(deps, flow, code));
    redirect(res, flow.returnTo);
  };
}

/** An app finishes its flow under the bearer session that started it. */
function complete(deps: OAuthRoutesDeps): RequestHandler {
  const { flows, config } = deps;
  return async (req, res) => {
    const { result } = parseBody(CompleteRequest, req.body, RESULT_FIELDS);
    const flow = await flows.takeReturned(result);
    if (!flow || flow.sessionId !== req.sessionID) throw problems.invalidState();
    await connectGrant(req, deps, flow, await exchangeCode(deps, flow, flow.code));
    // The session has a new id now: the app must switch to the new token.
    res.json({
      ...(await deps.sessionView(req)),
      session_token: sessionToken(req, config.session),
      expires_at: sessionExpiry(req, deps.now),
    });
  };
}

/** Unlinks this session from its grant, or (`?everywhere=true`) forgets the grant. */
function disconnect(deps: OAuthRoutesDeps): RequestHandler {
  const { provider } = deps;
  return async (req, res) => {
    const { everywhere } = parseInput(ConnectionQuery, req.query);
    const grantId = isLive(req) ? req.session.grants?.[provider.name] : undefined;
    if (grantId !== undefined) {
      const all = everywhere === 'true';
      if (all) await deps.grants.forget(grantId);
      const forgotten = all || (await deps.grants.unlink(grantId, req.sessionID, deps.now()));
      if (forgotten) {
        deps.audit.grantForgotten({
          userId: req.session.user?.id,
          device: req.session.device?.handle,
          ip: req.ip,
          provider: provider.name,
          grant: grantId,
          // `disconnect`: this session was the last one linked to it.
          reason: all ? 'everywhere' : 'disconnect',
        });
      }
      const { [provider.name]: _gone, ...others } = req.session.grants ?? {};
      req.session.grants = others;
    }
    res.status(204).end();
  };
}

function codeOf(raw: unknown, maxLength: number): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > maxLength) {
    throw problems.invalidRequest('The provider sent no usable authorization code.');
  }
  return raw;
}

/** What the provider's `error` tells return_to: the user said no, or something else failed. */
function outcomeOf(error: string | undefined): 'access_denied' | 'provider_error' {
  return error === 'denied' || error === 'access_denied' ? 'access_denied' : 'provider_error';
}

function redirect(res: Response, location: string): void {
  // The callback URL carried a code and a state: no Referer may leak it onwards, and no cache
  // may keep the answer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(302, location);
}
