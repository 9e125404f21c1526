import request from 'supertest';
import { startLikeCoinStandIn, type LikeCoinMode, type LikeCoinStandIn } from './likecoin-stand-in';
import { login } from './login';
import { startEmbeddedApp, startTestApp, type EmbeddedTestApp, type TestApp } from './test-app';

export const LIKECOIN_CLIENT_ID = 'likecoin-client';
export const LIKECOIN_CLIENT_SECRET = 'likecoin-client-secret';
// The app never needs to be reachable there: tests read the provider's redirect and call the
// app at its path.
export const REDIRECT_URI = 'http://localhost:3000/likecoin/callback';

export interface LikeCoinSetup<T = TestApp> {
  t: T;
  provider: LikeCoinStandIn;
  close(): Promise<void>;
}

/** The configuration that points the app at `provider`. */
export function likeCoinEnv(provider: LikeCoinStandIn): Record<string, string> {
  return {
    LIKECOIN_CLIENT_ID,
    LIKECOIN_CLIENT_SECRET,
    LIKECOIN_AUTHORIZE_URL: provider.authorizeUrl,
    LIKECOIN_TOKEN_URL: provider.tokenUrl,
    LIKECOIN_API_URL: provider.apiUrl,
    LIKECOIN_SCOPES: 'profile email',
    ALLOWED_RETURN_TO: 'https://app.example,myapp://auth',
  };
}

/** Which LikeCoin the stand-in plays (default: the documented one). */
export interface StandInChoice {
  mode?: LikeCoinMode;
}

/** The app wired to a LikeCoin stand-in on loopback. */
export async function startWithLikeCoin(
  env: Record<string, string> = {},
  choice: StandInChoice = {},
): Promise<LikeCoinSetup> {
  return withStandIn(env, choice, startTestApp);
}

/** The same on the embedded store (one process, no Redis). */
export async function startEmbeddedWithLikeCoin(
  env: Record<string, string> = {},
  choice: StandInChoice = {},
): Promise<LikeCoinSetup<EmbeddedTestApp>> {
  return withStandIn(env, choice, startEmbeddedApp);
}

async function withStandIn<T extends { close(): Promise<void> }>(
  env: Record<string, string>,
  { mode }: StandInChoice,
  start: (o: { env: Record<string, string> }) => Promise<T>,
): Promise<LikeCoinSetup<T>> {
  const provider = await startLikeCoinStandIn({
    clientId: LIKECOIN_CLIENT_ID,
    clientSecret: LIKECOIN_CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
    ...(mode === undefined ? {} : { mode }),
  });
  const t = await start({ env: { ...likeCoinEnv(provider), ...env } });
  return {
    t,
    provider,
    async close() {
      await t.close();
      await provider.close();
    },
  };
}

/** "name=value" of the session cookie a response set, if any. */
export function sessionCookieOf(res: request.Response): string | undefined {
  const all = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return all.find((c) => c.startsWith('token-bff=s%3A'))?.split(';')[0];
}

/** Plays the user at the provider's page: follows the authorization URL, returns where it sends the browser. */
export async function atProvider(authorizationUrl: string): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`provider answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** The path and query of a provider redirect, to call the app with. */
export function pathOf(url: URL): string {
  return url.pathname + url.search;
}

/** A browser without a session starts a flow: returns its new cookie and the provider URL. */
export async function browserStarts(t: { url: string }, returnTo = 'https://app.example/done') {
  const res = await request(t.url)
    .get(`/likecoin/authorize?return_to=${encodeURIComponent(returnTo)}`)
    .expect(302);
  return { cookie: sessionCookieOf(res)!, authorizationUrl: res.headers.location! };
}

/** A browser session signed in with LikeCoin: its cookie, ready for proxied calls. */
export async function connectedBrowser(s: { t: { url: string } }): Promise<string> {
  const { cookie, authorizationUrl } = await browserStarts(s.t);
  const res = await request(s.t.url)
    .get(pathOf(await atProvider(authorizationUrl)))
    .set('Cookie', cookie)
    .expect(302);
  return sessionCookieOf(res)!;
}

/** Makes the next flows sign in at the provider as `user`. */
export function asLiker(provider: LikeCoinStandIn, user: string): void {
  provider.nextUser = {
    user,
    displayName: user,
    avatar: `https://static.like.co/avatar/${user}.png`,
  };
}

/**
 * An app user's flow up to its last step: logged in, sent through the system browser, back with
 * the one-time result handle that `POST /likecoin/complete` takes.
 */
export async function appFlowReturned(
  s: { t: { url: string } },
  appUser: string,
): Promise<{ sessionToken: string; result: string | null }> {
  const app = await login(s.t, { sub: appUser });
  const started = await request(s.t.url)
    .post('/likecoin/authorize')
    .set('Authorization', `Bearer ${app.sessionToken}`)
    .send({ return_to: 'myapp://auth' })
    .expect(200);
  const back = await request(s.t.url)
    .get(pathOf(await atProvider(started.body.authorization_url)))
    .expect(302);
  return {
    sessionToken: app.sessionToken,
    result: new URL(back.headers.location!).searchParams.get('result'),
  };
}

/** An app user who connected LikeCoin through the system browser: the new bearer session token. */
export async function connectedApp(s: { t: { url: string } }, appUser: string): Promise<string> {
  const { sessionToken, result } = await appFlowReturned(s, appUser);
  const app = { sessionToken };
  const done = await request(s.t.url)
    .post('/likecoin/complete')
    .set('Authorization', `Bearer ${app.sessionToken}`)
    .send({ result })
    .expect(200);
  return done.body.session_token as string;
}

/**
 * A browser connected with a LikeCoin access token that expires as it is stored, so its next
 * proxied call refreshes first: the stand-in's clock runs an hour behind during the flow.
 */
export async function connectedWithExpiredToken(s: {
  t: { url: string };
  provider: LikeCoinStandIn;
}): Promise<string> {
  const realSeconds = () => Math.floor(Date.now() / 1000);
  s.provider.setClock(() => realSeconds() - 3600);
  try {
    return await connectedBrowser(s);
  } finally {
    s.provider.setClock(realSeconds);
  }
}
