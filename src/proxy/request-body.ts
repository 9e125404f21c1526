import type { Request } from 'express';
import { Transform, type Readable } from 'node:stream';
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
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge() : null, chunk);
    },
  });
  req.pipe(counter);
  req.once('error', (err) => counter.destroy(err));
  return { kind: 'stream', stream: counter };
}
