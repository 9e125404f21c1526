import { request, type Dispatcher } from 'undici';
import { printable, shown } from './doctor-text';

export interface ProbeRequest {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole call, connect to the last byte read. */
  timeoutMs: number;
}

export type ProbeResult =
  | {
      kind: 'answer';
      status: number;
      /** Where a 3xx points, as the doctor may print it (no query: it may carry a code). */
      location: string | undefined;
      /** The first BODY_BYTES bytes at most. */
      body: string;
      /** The answer's media type, or "unlabelled". */
      type: string;
    }
  | { kind: 'failed'; detail: string };

// An error code, a name or a one-line detail is all the doctor looks for in an answer; LiveLike's
// application resource, a few dozen fields, fits well within it.
const BODY_BYTES = 16 * 1024;

/** One outbound call, never followed through a redirect, bounded in time and in what it reads. */
export async function probe(dispatcher: Dispatcher, req: ProbeRequest): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher,
      signal,
    });
    return {
      kind: 'answer',
      status: res.statusCode,
      location: locationOf(res.headers.location, req.url),
      body: await readUpTo(res.body, BODY_BYTES),
      type: mediaType(res.headers['content-type']),
    };
  } catch (err) {
    if (signal.aborted)
      return { kind: 'failed', detail: `gave no answer within ${req.timeoutMs} ms` };
    return { kind: 'failed', detail: `cannot be reached (${networkCode(err)})` };
  }
}

async function readUpTo(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream (its iterator takes the abort that follows): the
  // rest of a big answer is never read.
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function locationOf(header: string | string[] | undefined, base: string): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  try {
    return shown(new URL(value, base));
  } catch {
    return undefined;
  }
}

function mediaType(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim().toLowerCase();
  return value && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(value) ? value : 'unlabelled';
}

/** ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT, a TLS code…: what an operator can look up. */
function networkCode(err: unknown): string {
  // Read by shape, not instanceof: the error may come from another realm (undici, a VM).
  const { code, cause, message } = (err ?? {}) as {
    code?: unknown;
    cause?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && /^[A-Z0-9_]{2,48}$/.test(code)) return code;
  if (cause !== undefined && cause !== err) return networkCode(cause);
  return typeof message === 'string' ? printable(message, 80) : 'network error';
}
