/** Baseline (a): bare node:http answering the token-sized JSON (stringified per request, as res.json would). */
import { createServer } from 'node:http';
import { tokenAnswer } from './payloads';

const answer = tokenAnswer();
const server = createServer((_req, res) => {
  const body = JSON.stringify(answer);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
