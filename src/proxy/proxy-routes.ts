import { Router, type Request, type Response } from 'express';
import type { Dispatcher } from 'undici';
import type { Limits } from '../config';
import { discard, relay, sendUpstream } from './forward';
import { proxyBody, type ProxyBody } from './request-body';
import type { ProxyRules } from './proxy-rules';

export type { BearerSource } from './proxy-rules';

export interface ProxyRoutesDeps {
  rules: ProxyRules;
  dispatcher: Dispatcher;
  limits: Pick<
    Limits,
    'upstreamFirstByteMs' | 'upstreamIdleMs' | 'proxyBodyBytes' | 'replayableBodyBytes'
  >;
}

/** Forwards every call the rules allow to its target with the session's Bearer token. */
export function proxyRoutes(deps: ProxyRoutesDeps): Router {
  const { limits, rules } = deps;
  const timeouts = { firstByteMs: limits.upstreamFirstByteMs, idleMs: limits.upstreamIdleMs };
  const forward = async (req: Request, res: Response) => {
    const abort = new AbortController();
    // The caller hanging up ends the upstream call too (and whatever we were waiting for).
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    // Also true when the caller left before this handler started listening.
    const callerLeft = () => abort.signal.aborted || req.socket.destroyed;
    let stage = 'bearer';
    let body: ProxyBody = { kind: 'none' };
    let answer;
    try {
      const { target, bearer } = await rules.check(req);
      stage = 'body';
      body = await proxyBody(req, limits.proxyBodyBytes, limits.replayableBodyBytes);
      if (callerLeft()) throw new Error('the caller left while its body was read');
      stage = 'upstream';
      const send = (token: string) =>
        sendUpstream(deps.dispatcher, req, target, token, body, timeouts, abort.signal);
      answer = await send(bearer.token);
      if (answer.status === 401 && bearer.renew && body.kind !== 'stream') {
        await discard(answer);
        stage = 'renewal';
        const token = await bearer.renew();
        stage = 'upstream';
        answer = await send(token);
      }
    } catch (err) {
      // Given up on: nobody will read the rest of a streamed body.
      if (body.kind === 'stream') body.stream.destroy();
      // The caller left: nobody is waiting for an answer, and nothing failed upstream (whatever
      // broke after they left broke because they left, or matters to no one).
      if (callerLeft()) {
        req.log.info({ stage }, 'caller left before the upstream answered');
        return;
      }
      throw err;
    }
    const outcome = await relay(answer, res);
    if (outcome === 'cut') {
      if (callerLeft()) req.log.info({ stage: 'relay' }, 'caller left during the answer');
      else req.log.warn('the upstream answer broke off mid-body');
    }
  };
  return Router().use(rules.guards, forward);
}
