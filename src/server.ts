import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server as PlainServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Limits, TlsConfig } from './config';

export type Server = PlainServer | TlsServer;
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody } from './http/http-problem';
import { problems } from './http/problems';

/**
 * The HTTP server (HTTPS when `tls` is given) with every limit explicit: header size and count,
 * header and request time, keep-alive.
 */
export function createHttpServer(app: RequestListener, limits: Limits, tls?: TlsConfig): Server {
  const listener: RequestListener = (req, res) => {
    if (req.rawHeaders.length / 2 > limits.maxHeaderCount) {
      refuse(res, problems.tooManyHeaders(limits.maxHeaderCount));
      return;
    }
    app(req, res);
  };
  const options = { maxHeaderSize: limits.maxHeaderBytes };
  const server: Server = tls
    ? createTlsServer({ ...options, cert: tls.cert, key: tls.key }, listener)
    : createServer(options, listener);
  // Node drops the headers past maxHeadersCount without a word (Host among them, which it then
  // answers with a bare 400). The shortest header line ("a:" CRLF) is 4 bytes, so at this count
  // maxHeaderSize refuses first: every header within the size limit is kept, and counted above.
  server.maxHeadersCount = Math.ceil(limits.maxHeaderBytes / 4);
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(err, socket),
  );
  return server;
}

function refuse(res: ServerResponse<IncomingMessage>, problem: HttpProblem): void {
  const body = JSON.stringify(problemBody(problem));
  res.shouldKeepAlive = false;
  res.writeHead(problem.status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** Requests Node refuses before Express sees them still get a problem+json answer. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? problems.headersTooLarge()
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? problems.requestTimeout()
        : problems.badRequest();
  const body = JSON.stringify(problemBody(problem));
  // Then closed for good, not half-closed: a request already handed to Express on this
  // connection (whose body will never come) sees its caller gone at once and lets go of its
  // upstream call, instead of waiting for the request timeout.
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.code}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Stops accepting, lets requests in flight finish for up to `timeoutMs`, then cuts what is
 * left. Resolves when the server is closed.
 */
export function drain(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
