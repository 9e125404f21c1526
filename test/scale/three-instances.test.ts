import { randomBytes } from 'node:crypto';
import { appIdToken } from '../support/app-tokens';
import { call, type Answer } from '../support/load';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import {
  LIKECOIN_CLIENT_ID,
  LIKECOIN_CLIENT_SECRET,
  REDIRECT_URI,
  asLiker,
  likeCoinEnv,
} from '../support/likecoin-flow';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer';
import { startTestApp, type TestApp } from '../support/test-app';

// Three instances of the service on one store (one key prefix), behind a round-robin TCP
// balancer, every request on a connection of its own: consecutive steps of one flow land on
// different instances, so anything kept in one process's memory would show up as a failure.
// TRUST_PROXY stays unset: a layer-4 balancer adds no X-Forwarded-* headers to trust.

let provider: LikeCoinStandIn;
let apps: TestApp[];
let lb: TcpBalancer;
beforeAll(async () => {
  provider = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
  });
  const keyPrefix = `test:three:${randomBytes(4).toString('hex')}:`;
  const env = { ...likeCoinEnv(provider), LIKECOIN_TIMEOUT_MS: '5000', LOG_LEVEL: 'info' };
  apps = [];
  for (let i = 0; i < 3; i++) apps.push(await startTestApp({ keyPrefix, env }));
  lb = await startTcpBalancer({ upstreams: apps.map((a) => Number(new URL(a.url).port)) });
}, 30_000);
afterAll(async () => {
  await lb?.stop();
  // The last one to close removes the shared keys.
  for (const app of apps ?? []) await app.close();
  await provider?.close();
});

const realSeconds = () => Math.floor(Date.now() / 1000);

/** "name=value" of the session cookie an answer set, if any. */
const cookieOf = (a: Answer) =>
  ((a.headers['set-cookie'] as string[] | undefined) ?? [])
    .find((c) => c.startsWith('token-bff=s%3A'))
    ?.split(';')[0];
const json = <T = Record<string, unknown>>(a: Answer) => JSON.parse(a.body) as T;
const byCookie = (cookie: string) => ({ cookie, 'x-csrf': '1' });
const byBearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Through the balancer, a connection per request. */
const viaLb = (
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: unknown,
) =>
  call(`${lb.url}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

/** Plays the user at the provider's page; returns the callback's path and query. */
async function atProvider(authorizationUrl: string): Promise<string> {
  const res = await call(authorizationUrl);
  expect(res.status).toBe(302);
  const back = new URL(res.headers.location!);
  return back.pathname + back.search;
}

/** A browser signs in with LikeCoin: the session cookie it ends with. */
async function webConnects(): Promise<string> {
  const start = await viaLb(
    `/likecoin/authorize?return_to=${encodeURIComponent('https://app.example/done')}`,
  );
  expect(start.status).toBe(302);
  const callback = await viaLb(await atProvider(start.headers.location!), {
    cookie: cookieOf(start)!,
  });
  expect([callback.status, callback.headers.location]).toEqual([302, 'https://app.example/done']);
  return cookieOf(callback)!;
}

/** An app user connects LikeCoin in the system browser and completes under its bearer session. */
async function mobileConnects(appUser: string): Promise<string> {
  const login = await viaLb('/session', {}, 'POST', { id_token: appIdToken({ sub: appUser }) });
  expect(login.status).toBe(200);
  const bearer = json<{ session_token: string }>(login).session_token;
  const started = await viaLb('/likecoin/authorize', byBearer(bearer), 'POST', {
    return_to: 'myapp://auth',
  });
  expect(started.status).toBe(200);
  const back = await viaLb(
    await atProvider(json<{ authorization_url: string }>(started).authorization_url),
  );
  expect(back.status).toBe(302);
  const result = new URL(back.headers.location!).searchParams.get('result');
  const done = await viaLb('/likecoin/complete', byBearer(bearer), 'POST', { result });
  expect(done.status).toBe(200);
  return json<{ session_token: string }>(done).session_token;
}

/** Requests each instance answered, from its own /metrics (asked directly, not via the balancer). */
async function servedPerInstance(): Promise<number[]> {
  return Promise.all(
    apps.map(async (app) => {
      const text = (await call(`${app.url}/metrics`)).body;
      return text
        .split('\n')
        .filter((l) => l.startsWith('http_request_duration_seconds_count'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    }),
  );
}

const refreshes = () =>
  provider.requests.filter(
    (r) => r.path === '/oauth/access_token' && r.body.includes('grant_type=refresh_token'),
  ).length;

it('the whole web and mobile flow through the balancer, every step on whichever instance', async () => {
  const before = await servedPerInstance();
  asLiker(provider, 'web-liker');
  const web = await webConnects();
  asLiker(provider, 'phone-liker');
  const phone = await mobileConnects('phone-user');

  const webView = await viaLb('/session', { cookie: web });
  expect(json(webView)).toMatchObject({
    authenticated: true,
    user: { id: 'likecoin:web-liker', source: 'likecoin' },
    likecoin: { connected: true, user: 'web-liker' },
  });
  for (const [who, headers, user] of [
    ['web', byCookie(web), 'likecoin:web-liker'],
    ['phone', byBearer(phone), 'phone-user'],
  ] as const) {
    const token = await viaLb('/livelike/token', headers);
    expect([who, token.status]).toEqual([who, 200]);
    expect(json(token).custom_profile_id).toBe(user);
    const proxied = await viaLb('/likecoin/api/users/profile', headers);
    expect([who, proxied.status]).toEqual([who, 200]);
    expect(json(proxied).user).toBe(who === 'web' ? 'web-liker' : 'phone-liker');
    const devices = await viaLb('/sessions', headers);
    expect(devices.status).toBe(200);
    expect(
      json<{ sessions: { current: boolean }[] }>(devices).sessions.filter((s) => s.current),
    ).toHaveLength(1);
  }

  expect((await viaLb('/session', byCookie(web), 'DELETE')).status).toBe(204);
  expect((await viaLb('/session', byBearer(phone), 'DELETE')).status).toBe(204);
  // Logged out everywhere: whichever instance answers next knows it.
  for (let i = 0; i < 3; i++) {
    expect(json(await viaLb('/session', { cookie: web }))).toMatchObject({ authenticated: false });
    const gone = await viaLb('/livelike/token', byBearer(phone));
    expect([gone.status, json(gone).code]).toEqual([401, 'invalid_session_token']);
  }

  const after = await servedPerInstance();
  const served = after.map((n, i) => n - before[i]!);
  console.log(`three instances, web + mobile flow: requests per instance ${served.join(' / ')}`);
  for (const n of served) expect(n).toBeGreaterThan(3);
});

it('a refresh storm from two devices of one Liker: 100 calls over three instances, one refresh, 100 × 200', async () => {
  asLiker(provider, 'storm-liker');
  // Connected while the provider's clock is an hour behind: both arrive with expired tokens.
  provider.setClock(() => realSeconds() - 3600);
  let web: string;
  let phone: string;
  try {
    web = await webConnects();
    phone = await mobileConnects('storm-phone-user');
  } finally {
    provider.setClock(realSeconds);
  }
  const refreshesBefore = refreshes();
  const connectionsBefore = [...lb.connections];
  const before = await servedPerInstance();

  const answers = await Promise.all([
    ...Array.from({ length: 50 }, () => viaLb('/likecoin/api/users/profile', byCookie(web))),
    ...Array.from({ length: 50 }, () => viaLb('/likecoin/api/users/profile', byBearer(phone))),
  ]);

  const served = (await servedPerInstance()).map((n, i) => n - before[i]!);
  const spread = lb.connections.map((n, i) => n - connectionsBefore[i]!);
  console.log(
    `three instances, refresh storm: 100 calls, statuses ${JSON.stringify(
      answers.reduce<Record<number, number>>(
        (s, a) => ({ ...s, [a.status]: (s[a.status] ?? 0) + 1 }),
        {},
      ),
    )}, refreshes at the provider ${refreshes() - refreshesBefore}, connections per instance ` +
      `${spread.join(' / ')}, requests per instance (metrics) ${served.join(' / ')}`,
  );
  expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
  expect(answers.every((a) => json(a).user === 'storm-liker')).toBe(true);
  expect(refreshes() - refreshesBefore).toBe(1);
  // Round robin per connection: every instance took its share of the storm.
  for (const n of spread) expect(n).toBeGreaterThanOrEqual(30);
  for (const n of served) expect(n).toBeGreaterThanOrEqual(30);
}, 30_000);
