/**
 * A collector's OTLP/HTTP trace receiver for S1T, reduced to what the service's exporter sees:
 * it reads each export whole and answers 200 `{}`. Pinned with the load generators, as a real
 * collector runs elsewhere: the service's side pays for making and sending spans, not for
 * receiving them.
 */
import { createServer } from 'node:http';

let exports = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    exports += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => {
  process.stdout.write(`otlp sink: ${exports} exports, ${bytes} bytes\n`);
  server.close(() => process.exit(0));
});
