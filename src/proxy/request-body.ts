import type { Request } from 'express';
import { finished, Transform, type Readable } from 'node:stream';
import { problems } from '../http/problems';

/** A proxied request body: kept in memory when small (so it can be replayed), else streamed. */
export type ProxyBody =
  { kind: 'none' } | { kind: 'buffered'; data: Buffer } | { kind: 'stream'; stream: Readable };

const tooLarge = () => problems.payloadTooLarge('The request body is too large to forward.');

/**
 * Reads what the caller sends, within `limit` bytes. Bodies up to `keepBytes` with a declared
 * length are read first, so a call can be replayed after a token refresh; longer or chunked
 * bodies stream straight through and are counted on the way.
 */
export async function proxyBody(
  req: Request,
  limit: number,
  keepBytes: number,
): Promise<ProxyBody> {
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared === undefined && !chunked) return { kind: 'none' };
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && length > limit) throw tooLarge();
  if (length === 0) return { kind: 'none' };
  if (length !== undefined && length <= keepBytes && !chunked) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return { kind: 'buffered', data: Buffer.concat(chunks) };
  }
  return { kind: 'stream', stream: countedBody(req, limit) };
}

/**
 * The caller's body as it arrives, failing once it passes `limit`. Its errors are heard here
 * from the start: undici listens only while it sends the body, and a call can give up before
 * that or after it (the caller left, the upstream send failed). A body that then breaks off
 * (a reset, bad chunked framing) would be an 'error' with no listener, which ends the process.
 * Whoever gives up on the stream destroys it; what failed reaches them through undici.
 */
function countedBody(req: Request, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge() : null, chunk);
    },
  });
  counter.on('error', ignore);
  req.pipe(counter);
  // pipe passes on data, not an end that never comes: a body cut short (the request already
  // aborted included) fails the stream, so nobody waits for the rest of it.
  finished(req, (err) => {
    if (err) counter.destroy(err);
  });
  return counter;
}

function ignore(): void {}
