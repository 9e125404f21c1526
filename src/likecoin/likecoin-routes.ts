import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config';
import { HttpProblem } from '../http/http-problem';
import { jsonBody, objectBody } from '../http/json-body';
import { saveSession } from '../session/session-layer';
import { sessionExpiry, sessionToken } from '../session/session-lifecycle';
import { credentialOf, isLive } from '../session/session-data';
import { authorizationUrl, randomHandle } from './authorization-url';
import { connectAccount, exchangeCode, type ConnectDeps } from './connect-account';
import type { FlowStore, PendingFlow } from './flow-store';
import { parseReturnTo, withParam } from './parse-return-to';
import { parseScopes } from './parse-scopes';
import type { TokenSetStore } from './token-set-store';

export interface LikeCoinRoutesDeps extends Omit<ConnectDeps, 'tokenClient'> {
  config: Config;
  flows: FlowStore;
  tokenSets: TokenSetStore;
  tokenClient: ConnectDeps['tokenClient'] | undefined;
  csrf: RequestHandler;
  rejectDeadCredential: RequestHandler;
  /** Answers for a session, as GET /session and POST /likecoin/complete show them. */
  sessionView: (req: Request) => Promise<Record<string, unknown>>;
}

const invalidState = () =>
  new HttpProblem(
    400,
    'invalid_state',
    'This sign-in link is unknown, expired, already used or not yours.',
  );

export function likeCoinRoutes(deps: LikeCoinRoutesDeps): Router {
  const { config, flows, csrf } = deps;
  const router = Router();
  const tokenClient = deps.tokenClient;
  const credentials = config.likecoin.credentials;
  if (!tokenClient || !credentials) {
    router.use(likeCoinNotConfigured);
    return router;
  }
  const connectDeps: ConnectDeps = { ...deps, tokenClient };
  router.use(deps.rejectDeadCredential);

  const beginFlow = async (
    req: Request,
    rawReturnTo: unknown,
    rawScope: unknown,
  ): Promise<string> => {
    const returnTo = parseReturnTo(rawReturnTo, config.allowedReturnTo, config.publicBaseUrl);
    const scopes = parseScopes(rawScope, config.likecoin.scopes);
    if (!isLive(req)) {
      // The state is bound to a session, so a visitor without one gets one now.
      req.session.createdAt = deps.now();
      req.session.touchedAt = deps.now();
      await saveSession(req);
    }
    const state = randomHandle();
    const codeVerifier = config.likecoin.pkce ? randomHandle() : undefined;
    const carrier = credentialOf(req).carrier === 'bearer' ? 'bearer' : 'cookie';
    const flow: PendingFlow = {
      sessionId: req.sessionID,
      carrier,
      returnTo: returnTo.href,
      scopes,
    };
    if (codeVerifier !== undefined) flow.codeVerifier = codeVerifier;
    await flows.savePending(state, flow);
    return authorizationUrl({
      authorizeUrl: config.likecoin.authorizeUrl,
      clientId: credentials.clientId,
      redirectUri: config.likecoin.redirectUri,
      scopes,
      state,
      codeVerifier,
    });
  };

  // A browser navigation: no CSRF header can come with it, and none is needed to start a flow.
  router.get('/authorize', async (req, res) => {
    res.redirect(302, await beginFlow(req, req.query.return_to, req.query.scope));
  });

  router.post('/authorize', csrf, ...jsonBody(config.limits.jsonBodyBytes), async (req, res) => {
    const body = objectBody(req.body);
    res.json({ authorization_url: await beginFlow(req, body.return_to, body.scope) });
  });

  router.get('/callback', async (req, res) => {
    const flow = await flows.takePending(req.query.state);
    // A cookie flow must come back to the browser that started it; a bearer flow is finished
    // by its app (POST /complete), so whichever browser runs it proves nothing.
    if (!flow || (flow.carrier === 'cookie' && flow.sessionId !== req.sessionID))
      throw invalidState();
    const error = req.query.error;
    if (error !== undefined) {
      return redirect(
        res,
        withParam(flow.returnTo, 'error', error === 'denied' ? 'access_denied' : 'provider_error'),
      );
    }
    const code = codeOf(req.query.code ?? req.query.auth_code);
    if (flow.carrier === 'bearer') {
      const handle = randomHandle();
      await flows.saveReturned(handle, { ...flow, code });
      return redirect(res, withParam(flow.returnTo, 'result', handle));
    }
    const tokens = await exchangeCode(connectDeps, flow, code);
    await connectAccount(req, connectDeps, tokens);
    redirect(res, flow.returnTo);
  });

  router.post('/complete', csrf, ...jsonBody(config.limits.jsonBodyBytes), async (req, res) => {
    const flow = await flows.takeReturned(objectBody(req.body).result);
    if (!flow || flow.sessionId !== req.sessionID) throw invalidState();
    const tokens = await exchangeCode(connectDeps, flow, flow.code);
    await connectAccount(req, connectDeps, tokens);
    // The session has a new id now: the app must switch to the new token.
    res.json({
      ...(await deps.sessionView(req)),
      session_token: sessionToken(req, config),
      expires_at: sessionExpiry(req),
    });
  });

  router.delete('/connection', csrf, async (req, res) => {
    if (isLive(req)) await deps.tokenSets.forget(req.sessionID);
    res.status(204).end();
  });

  return router;
}

function codeOf(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) {
    throw new HttpProblem(
      400,
      'invalid_request',
      'The provider sent no usable authorization code.',
    );
  }
  return raw;
}

function redirect(res: Response, location: string): void {
  // The callback URL carried a code and a state: no Referer may leak it onwards.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.redirect(302, location);
}

export const likeCoinNotConfigured: RequestHandler = () => {
  throw new HttpProblem(503, 'likecoin_not_configured', 'LikeCoin credentials are not configured.');
};
