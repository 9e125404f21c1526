import { once, EventEmitter } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { freePort } from '../support/redis-server';
import { lineContaining, spawnMain } from '../support/spawn-main';

/** `promise`, or a failure naming the step that did not happen within `ms`. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

it('on SIGTERM stops accepting, finishes the request in flight, closes Redis and exits 0', async () => {
  // A JWKS endpoint that holds its answer until told: the login waiting on it is "in flight".
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const held = new EventEmitter();
  let pending: ServerResponse | undefined;
  const jwks = createServer((_req, res) => {
    pending = res;
    held.emit('request');
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const port = await freePort();

  const child = spawnMain({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `test:shutdown:${port}:`,
    APP_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    SHUTDOWN_TIMEOUT_SECONDS: '5',
  });
  try {
    await within(25_000, 'the service listening', lineContaining(child, 'token-bff listening'));
    const idToken = await new SignJWT({ sub: 'in-flight-user' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    const waitingOnJwks = once(held, 'request');
    const inFlight = fetch(`http://127.0.0.1:${port}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id_token: idToken }),
    });
    inFlight.catch(() => undefined); // awaited below; this only keeps a failed run quiet
    await within(10_000, 'the login reaching the JWKS endpoint', waitingOnJwks);

    const draining = lineContaining(child, '"draining"');
    child.kill('SIGTERM');
    await within(10_000, 'the service draining', draining);
    // New connections are not accepted while the old request is still being served. (Refused,
    // or reset when the SYN lands in the backlog while the listening socket is being closed.)
    const refused = connect(port, '127.0.0.1');
    const [err] = (await within(5_000, 'a new connection refused', once(refused, 'error'))) as [
      NodeJS.ErrnoException,
    ];
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(err.code);

    pending!.setHeader('content-type', 'application/json');
    pending!.end(JSON.stringify({ keys: [jwk] }));
    const res = await within(10_000, 'the request in flight answered', inFlight);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: unknown }).user).toEqual({ id: 'in-flight-user' });

    const [code] = await within(10_000, 'the service exiting', once(child, 'exit'));
    expect(code).toBe(0);
  } finally {
    child.kill('SIGKILL');
    jwks.closeAllConnections();
    jwks.close();
  }
}, 60_000);
