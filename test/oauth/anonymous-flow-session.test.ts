import request from 'supertest';
import {
  atProvider,
  browserStarts,
  pathOf,
  sessionCookieOf,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { storedKeys, type TestApp } from '../support/test-app';

const STATE_TTL_MS = 600_000;
const SESSION_TTL_MS = 86_400_000;

/** The session id inside a "token-bff=s%3A<id>.<signature>" cookie. */
function sessionIdOf(cookie: string): string {
  const signed = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return signed.slice('s:'.length, signed.lastIndexOf('.'));
}

const pttlOf = (t: TestApp, cookie: string) => t.redis.pttl(`sess:${sessionIdOf(cookie)}`);
// SCAN on every master: on a Cluster, KEYS sees one node's share only.
const count = async (t: TestApp, pattern: string) => (await storedKeys(t, pattern)).length;

describe('a session made by /likecoin/authorize for a visitor without one', () => {
  let s: LikeCoinSetup;
  beforeEach(async () => {
    s = await startWithLikeCoin();
  });
  afterEach(() => s.close());

  it('lives at most the state TTL; completing the flow starts one with the normal lifetime', async () => {
    const { cookie, authorizationUrl } = await browserStarts(s.t);
    const pttl = await pttlOf(s.t, cookie);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(STATE_TTL_MS);

    const back = await request(s.t.url)
      .get(pathOf(await atProvider(authorizationUrl)))
      .set('Cookie', cookie)
      .expect(302);
    const signedIn = sessionCookieOf(back)!;
    expect(sessionIdOf(signedIn)).not.toBe(sessionIdOf(cookie));
    expect(await pttlOf(s.t, signedIn)).toBeGreaterThan(SESSION_TTL_MS - 60_000);
    const view = await request(s.t.url).get('/session').set('Cookie', signedIn).expect(200);
    expect(view.body.user).toEqual({ id: 'likecoin:alice-liker', source: 'likecoin' });
  });

  it("a signed-in user's session keeps its lifetime when they start a flow", async () => {
    const { cookie } = await login(s.t, { sub: 'u1' });
    await request(s.t.url).get('/likecoin/authorize').set('Cookie', cookie).expect(302);
    expect(await pttlOf(s.t, cookie)).toBeGreaterThan(SESSION_TTL_MS - 60_000);
  });
});

it('a burst of 50 cookie-less /likecoin/authorize from one IP with a limit of 20 creates 20 sessions and 20 states', async () => {
  const s = await startWithLikeCoin({ RATE_LIMIT_OAUTH_PER_IP: '20' });
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => request(s.t.url).get('/likecoin/authorize').redirects(0)),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(20).fill(302), ...Array(30).fill(429)]);
    expect(await count(s.t, 'sess:*')).toBe(20);
    expect(await count(s.t, 'likecoin:state:*')).toBe(20);
    expect(await count(s.t, 'likecoin:open-states:*')).toBe(20);
    // And none of them outlives its flow.
    for (const res of answers.filter((r) => r.status === 302)) {
      expect(await pttlOf(s.t, sessionCookieOf(res)!)).toBeLessThanOrEqual(STATE_TTL_MS);
    }
  } finally {
    await s.close();
  }
});
