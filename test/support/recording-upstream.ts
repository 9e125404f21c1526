import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Names and values as they came over the wire, in order. */
  rawHeaders: string[];
  body: Buffer;
}

/** Answers one call; the default answers 200 `{"ok":true}`. */
export type UpstreamHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  call: RecordedCall,
) => void;

export interface RecordingUpstream {
  /** http://127.0.0.1:port/api */
  apiUrl: string;
  calls: RecordedCall[];
  /**
   * 'arrived' when a call's headers are in, 'call' with each RecordedCall once its body is in,
   * 'closed' (with the path) when its connection goes before the answer is out.
   */
  events: EventEmitter;
  /** How the next calls are answered (until changed again). */
  handler: UpstreamHandler;
  close(): Promise<void>;
}

const ok: UpstreamHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
};

/** Any upstream API at all: records what the proxy sent and answers as the test says. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const events = new EventEmitter();
  const upstream: RecordingUpstream = {
    apiUrl: '',
    calls: [],
    events,
    handler: ok,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    events.emit('arrived', req.url);
    res.once('close', () => {
      if (!res.writableFinished) events.emit('closed', req.url);
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: RecordedCall = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      upstream.calls.push(call);
      events.emit('call', call);
      upstream.handler(req, res, call);
    });
  });
  // Node's default (2,000) would hide how many headers the proxy really sent.
  server.maxHeadersCount = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  upstream.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return upstream;
}
