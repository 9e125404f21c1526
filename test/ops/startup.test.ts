import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { freePort } from '../support/redis-server';
import { collect, spawnMain } from '../support/spawn-main';

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

/** A TCP gate in front of the test Redis: connections wait until `open()`, then pass through. */
async function redisGate(redisUrl: string) {
  const target = new URL(redisUrl);
  const held: Socket[] = [];
  const all: Socket[] = [];
  let isOpen = false;
  const pass = (client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    all.push(client, upstream);
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  };
  const server = createServer((client) => (isOpen ? pass(client) : held.push(client)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstConnection: once(server, 'connection'),
    open: () => {
      isOpen = true;
      held.splice(0).forEach(pass);
    },
    close: () => {
      [...held.splice(0), ...all.splice(0)].forEach((s) => s.destroy());
      server.close();
    },
  };
}

const gatedEnv = (port: number, redisUrl: string) => ({
  NODE_ENV: 'test',
  PORT: String(port),
  HOST: '127.0.0.1',
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `test:startup:${port}:`,
});

it('listens once the store answers: its first request is served, not a 503', async () => {
  const gate = await redisGate(process.env.REDIS_URL!);
  try {
    const port = await freePort();
    const child = spawnMain(gatedEnv(port, gate.url));
    const listening = lineOf(child, 'token-bff listening');
    await gate.firstConnection;
    gate.open();
    await listening;
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(200);
  } finally {
    gate.close();
  }
}, 30_000);

it('starts even when the store does not answer: /healthz 200, /readyz 503 store_unavailable', async () => {
  const gate = await redisGate(process.env.REDIS_URL!);
  try {
    const port = await freePort();
    const child = spawnMain(gatedEnv(port, gate.url));
    const warned = lineOf(child, 'store not reachable yet');
    await lineOf(child, 'token-bff listening');
    await warned;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { code: string }).code).toBe('store_unavailable');
  } finally {
    gate.close();
  }
}, 30_000);

/** Resolves once a stdout line of `child` contains `text`; rejects if it exits first. */
function lineOf(child: ReturnType<typeof spawnMain>, text: string): Promise<void> {
  const out = collect(child.stdout);
  return new Promise((done, fail) => {
    const onData = () => {
      if (!out.text.includes(text)) return;
      child.stdout.off('data', onData);
      done();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => fail(new Error(`exited with ${code} before "${text}"`)));
  });
}
