import { once } from 'node:events';
import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMain } from '../support/spawn-main';
import { startTcpBalancer } from '../support/tcp-balancer';

it('refuses to start on a bad configuration: one line per problem, no stack trace, exit 1', async () => {
  const child = spawnMain({
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bff.example',
    PORT: 'x',
  });
  const stderr = collect(child.stderr);
  const stdout = collect(child.stdout);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  expect(stderr.text.split('\n').filter(Boolean)).toEqual([
    'token-bff cannot start:',
    '  PORT: must be a whole number',
  ]);
  expect(stdout.text).toBe('');
}, 20_000);

it('names every production requirement that is missing', async () => {
  const child = spawnMain({ NODE_ENV: 'production' });
  const stderr = collect(child.stderr);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  for (const name of ['SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY', 'REDIS_URL', 'PUBLIC_BASE_URL']) {
    expect(stderr.text).toMatch(new RegExp(`^  ${name}: `, 'm'));
  }
  expect(stderr.text).not.toMatch(/\n\s+at /);
}, 20_000);

/**
 * The service on a store that holds every connection unanswered (a Redis on a TCP relay that
 * has not released yet), with its stdout lines to await.
 */
async function serviceOnHeldStore() {
  const relay = await startTcpBalancer({
    upstreams: [Number(new URL(process.env.REDIS_URL!).port)],
    hold: true,
  });
  const port = await freePort();
  const child = spawnMain({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: `redis://127.0.0.1:${relay.port}`,
    REDIS_KEY_PREFIX: `test:startup:${port}:`,
  });
  return { relay, child, url: `http://127.0.0.1:${port}` };
}

it('listens once the store answers: its first request is served, not a 503', async () => {
  const { relay, child, url } = await serviceOnHeldStore();
  try {
    const listening = lineContaining(child, 'token-bff listening');
    await relay.firstConnection;
    relay.release();
    await listening;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  } finally {
    await relay.stop();
  }
}, 30_000);

it('starts even when the store does not answer: /healthz 200, /readyz 503 store_unavailable', async () => {
  const { relay, child, url } = await serviceOnHeldStore();
  try {
    const warned = lineContaining(child, 'store not reachable yet');
    await lineContaining(child, 'token-bff listening');
    await warned;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { code: string }).code).toBe('store_unavailable');
  } finally {
    await relay.stop();
  }
}, 30_000);
