import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { login } from '../support/login';
import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMain } from '../support/spawn-main';
import { BASE_ENV } from '../support/test-app';

// A collector that is down or hangs costs spans, never a request: the service answers as
// before, says so on stderr (a bounded number of lines), and still stops on SIGTERM.

async function startService(endpoint: string, exportTimeoutMs: number) {
  const port = await freePort();
  const child = spawnMain({
    ...BASE_ENV,
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '20',
    // Small, so a full queue is reached too: spans past it are dropped, nothing grows.
    OTEL_BSP_MAX_QUEUE_SIZE: '8',
    // The exporter retries a refused export until this runs out, then reports it.
    OTEL_EXPORTER_OTLP_TIMEOUT: String(exportTimeoutMs),
  });
  const stderr = collect(child.stderr);
  const exited = once(child, 'exit');
  await lineContaining(child, 'token-bff listening');
  return { child, stderr, exited, url: `http://127.0.0.1:${port}` };
}

/** LiveLike token calls: each reads the session from the store (store spans, a server span). */
async function tokenCalls(url: string, n: number): Promise<number[]> {
  const { sessionToken } = await login({ url });
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const res = await fetch(`${url}/livelike/token`, {
      headers: { authorization: `Bearer ${sessionToken}` },
    });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

it('answers every request while nothing listens at the endpoint, and says so on stderr', async () => {
  const service = await startService(`http://127.0.0.1:${await freePort()}`, 1000);
  const noticed = new Promise<void>((resolve) => {
    const look = () => {
      if (!service.stderr.text.includes('tracing: ')) return;
      service.child.stderr.off('data', look);
      resolve();
    };
    service.child.stderr.on('data', look);
  });
  expect(await tokenCalls(service.url, 30)).toEqual(Array(30).fill(200));
  await noticed;
  expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  expect(service.child.exitCode).toBeNull();
  for (const line of service.stderr.text.trim().split('\n')) expect(line).toMatch(/^tracing: /);
});

describe('a collector that takes the export and never answers', () => {
  let collector: Server;
  const held: IncomingMessage[] = [];
  beforeAll(async () => {
    collector = createServer((req) => held.push(req));
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
  });
  afterAll(async () => {
    collector.closeAllConnections();
    await new Promise((resolve) => collector.close(resolve));
  });

  it('blocks no request, and SIGTERM still ends the process', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // Longer than the test: the export is still held when SIGTERM comes.
    const service = await startService(endpoint, 60_000);
    const exporting = once(collector, 'request');
    expect(await tokenCalls(service.url, 5)).toEqual(Array(5).fill(200));
    await exporting;
    // The export is held now: requests still go straight through.
    expect(await tokenCalls(service.url, 20)).toEqual(Array(20).fill(200));
    expect(held.length).toBeGreaterThan(0);
    service.child.kill('SIGTERM');
    const [code] = await service.exited;
    expect(code).toBe(0);
  });
});
