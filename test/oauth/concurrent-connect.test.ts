import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  asLiker,
  atProvider,
  browserStarts,
  likeCoinEnv,
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  pathOf,
  REDIRECT_URI,
  sessionCookieOf,
} from '../support/likecoin-flow';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * In front of the token endpoint: passes every exchange through, but keeps the first answer
 * back until told, as a slow network would: the provider has issued (and answered) it already.
 */
async function holdingFirstAnswer(tokenUrl: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let seen = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const first = seen++ === 0;
      void (async () => {
        const answer = await fetch(tokenUrl, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: Buffer.concat(chunks),
        });
        const body = await answer.text();
        if (first) {
          server.emit('answered-first');
          await released;
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        res.end(body);
      })();
    });
  });
  const held = once(server, 'answered-first');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth/access_token`,
    held,
    release,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Issue 18, N7: one Liker connecting two devices at the same moment. The provider issues the
// first device's set, then the second's (which kills the first's refresh token); the first
// answer arrives last. The grant must keep the second set, or every linked session is
// disconnected at the next refresh.
describe('two devices of one Liker connecting at the same moment', () => {
  let provider: LikeCoinStandIn;
  let relay: Awaited<ReturnType<typeof holdingFirstAnswer>>;
  let t: TestApp;
  beforeAll(async () => {
    provider = await startLikeCoinStandIn({
      clientId: LIKECOIN_CLIENT_ID,
      clientSecret: LIKECOIN_CLIENT_SECRET,
      redirectUris: [REDIRECT_URI],
    });
    relay = await holdingFirstAnswer(provider.tokenUrl);
    t = await startTestApp({ env: { ...likeCoinEnv(provider), LIKECOIN_TOKEN_URL: relay.url } });
  });
  afterAll(async () => {
    relay.release();
    await t.close();
    await relay.close();
    await provider.close();
  });

  it('keeps the set issued last, so both devices go on after the next refresh', async () => {
    // Tokens that are due for a refresh at their first use (30 s left, under the 60 s margin).
    provider.setClock(() => Math.floor(Date.now() / 1000) - 3600 + 30);
    asLiker(provider, 'dave');
    const first = await browserStarts(t);
    const second = await browserStarts(t);
    const firstBack = await atProvider(first.authorizationUrl);
    const secondBack = await atProvider(second.authorizationUrl);

    const firstDone = request(t.url)
      .get(pathOf(firstBack))
      .set('Cookie', first.cookie)
      .then((res) => res);
    await relay.held;
    const secondDone = await request(t.url)
      .get(pathOf(secondBack))
      .set('Cookie', second.cookie)
      .expect(302);
    relay.release();
    const firstRes = await firstDone;
    expect(firstRes.status).toBe(302);

    const devices = [sessionCookieOf(firstRes)!, sessionCookieOf(secondDone)!];
    for (const cookie of devices) {
      const view = await request(t.url).get('/session').set('Cookie', cookie).expect(200);
      expect(view.body.likecoin).toMatchObject({ connected: true, user: 'dave' });
    }
    // The first proxied call refreshes the grant with its stored refresh token: the live one.
    provider.setClock(() => Math.floor(Date.now() / 1000));
    for (const cookie of devices) {
      const res = await request(t.url)
        .get('/likecoin/api/users/profile')
        .set('Cookie', cookie)
        .set('X-CSRF', '1');
      expect(res.status).toBe(200);
    }
    expect(provider.count('/oauth/access_token')).toBe(3);
  });
});
