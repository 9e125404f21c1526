/**
 * Baseline (d): bare node:http answering 1 KB of JSON on any path, 64 KB on a path ending in
 * `/large` (the gateway group's large answers); the upstream of S3, S6, (e), (g) and (h).
 */
import { createServer } from 'node:http';
import { LARGE_PATH_SUFFIX, upstreamBody } from './payloads';

const small = upstreamBody();
const large = upstreamBody(64 * 1024);
const server = createServer((req, res) => {
  // Drain any request body before answering, like a real API would.
  req.resume();
  const body = req.url?.endsWith(LARGE_PATH_SUFFIX) ? large : small;
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
  });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
