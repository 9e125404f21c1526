import type { Request, Response } from 'express';
import type { Readable } from 'node:stream';
import { errors, type Dispatcher } from 'undici';
import { HttpProblem } from '../http/http-problem';
import { problems } from '../http/problems';
import { callerResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';
import type { ProxyBody } from './request-body';

export interface ForwardTimeouts {
  /** Until the upstream's status line and headers arrive. */
  firstByteMs: number;
  /** Longest pause between two body chunks from the upstream. */
  idleMs: number;
}

export interface UpstreamAnswer {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
}

/**
 * Sends one call upstream. Resolves with the upstream's answer, unread, so the caller can look
 * at the status (a 401 may call for a refresh and a replay) before streaming it on.
 */
export async function sendUpstream(
  dispatcher: Dispatcher,
  req: Request,
  target: URL,
  bearer: string,
  body: ProxyBody,
  timeouts: ForwardTimeouts,
  abort: AbortSignal,
): Promise<UpstreamAnswer> {
  try {
    const res = await dispatcher.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: req.method as Dispatcher.HttpMethod,
      headers: upstreamRequestHeaders(req.headers, {
        bearer,
        clientIp: req.ip ?? '',
        protocol: req.protocol,
        requestId: String(req.id),
      }),
      body: body.kind === 'none' ? null : body.kind === 'buffered' ? body.data : body.stream,
      headersTimeout: timeouts.firstByteMs,
      bodyTimeout: timeouts.idleMs,
      signal: abort,
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    throw upstreamProblem(err);
  }
}

/**
 * Streams the upstream's answer to the caller with the headers that describe it; the service's
 * own security, CORS and caching headers stay as they are.
 */
export async function relay(answer: UpstreamAnswer, res: Response): Promise<'done' | 'cut'> {
  res.status(answer.status);
  for (const [name, value] of Object.entries(callerResponseHeaders(answer.headers))) {
    if (value !== undefined) res.setHeader(name, value);
  }
  // The answer is for one session's user: no shared cache may keep it, whatever upstream says.
  res.setHeader('Cache-Control', 'no-store');
  if (await streamInto(answer.body, res)) return 'done';
  // The upstream stalled or broke mid-body, or the caller left: the status is already out, so
  // cutting the connection is the only honest signal left.
  res.destroy();
  return 'cut';
}

/**
 * `body.pipe(res)`, resolving true once the answer is out and false when either side broke
 * first (the body is then destroyed). Not `stream.pipeline`: it aborts an AbortController of its
 * own when it finishes, and the DOMException that makes cost ~3 % of a proxied call on Node 24.
 */
function streamInto(body: Readable, res: Response): Promise<boolean> {
  return new Promise((resolve) => {
    const broke = () => {
      body.destroy();
      resolve(false);
    };
    body.once('error', broke);
    res.once('close', () => (res.writableFinished ? resolve(true) : broke()));
    res.once('finish', () => resolve(true));
    body.pipe(res);
  });
}

/** Drains an answer we will not pass on (a 401 we replay after a refresh). */
export async function discard(answer: UpstreamAnswer): Promise<void> {
  await answer.body.dump().catch(() => undefined);
}

function upstreamProblem(err: unknown): unknown {
  if (err instanceof HttpProblem) return err;
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.ConnectTimeoutError) {
    return problems.upstreamTimeout();
  }
  if (err instanceof errors.RequestAbortedError) return err;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof HttpProblem) return cause;
  return problems.upstreamUnavailable();
}
