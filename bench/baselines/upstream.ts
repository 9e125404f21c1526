/** Baseline (d): bare node:http answering ~1 KB of JSON on any path; the upstream of S3 and (e). */
import { createServer } from 'node:http';
import { upstreamBody } from './payloads';

const body = upstreamBody();
const server = createServer((req, res) => {
  // Drain any request body before answering, like a real API would.
  req.resume();
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
  });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
