import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { freePort, type LikeCoinStandIn } from '../../test/support/harness';
import {
  httpAnswers,
  ROOT,
  SERVER_CPU,
  startChild,
  stopChild,
  waitUntil,
  type Child,
} from './procs';

export const PUBLIC_BASE_URL = 'https://bff.bench';
export const REDIRECT_URI = `${PUBLIC_BASE_URL}/likecoin/callback`;
export const LIKECOIN_CLIENT_ID = 'likecoin-bench-client';
export const LIKECOIN_CLIENT_SECRET = 'likecoin-bench-client-secret';
export const RETURN_TO = 'myapp://bench';

/**
 * Headers every call to the service carries: the `__Host-` session cookie is Secure, so the
 * service must see https; TRUST_PROXY=loopback lets it believe X-Forwarded-Proto from 127.0.0.1.
 */
export const VIA_HTTPS = { 'X-Forwarded-Proto': 'https' } as const;

export interface ServiceEnv {
  env: Record<string, string>;
  appJwtSecret: string;
}

/** Production settings with fresh random secrets; LikeCoin's API is upstream (d). */
export function serviceEnv(opts: {
  redisUrl: string;
  keyPrefix: string;
  standIn: LikeCoinStandIn;
  upstreamApiUrl: string;
}): ServiceEnv {
  const appJwtSecret = randomBytes(32).toString('base64url');
  return {
    appJwtSecret,
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL,
      TRUST_PROXY: 'loopback',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: opts.redisUrl,
      REDIS_KEY_PREFIX: opts.keyPrefix,
      APP_JWT_SECRET: appJwtSecret,
      LIVELIKE_CLIENT_ID: 'livelike-bench-client',
      LIVELIKE_CLIENT_SECRET: randomBytes(32).toString('base64url'),
      LIKECOIN_CLIENT_ID,
      LIKECOIN_CLIENT_SECRET,
      LIKECOIN_AUTHORIZE_URL: opts.standIn.authorizeUrl,
      LIKECOIN_TOKEN_URL: opts.standIn.tokenUrl,
      LIKECOIN_API_URL: opts.upstreamApiUrl,
      ALLOWED_RETURN_TO: RETURN_TO,
      LOG_LEVEL: 'warn',
      // The harness logs 10,000 users in from one address: the per-IP limits are for real
      // clients. The per-user and per-grant limits stay on, as on every request they guard.
      RATE_LIMIT_LOGIN_PER_IP: '0',
      RATE_LIMIT_OAUTH_PER_IP: '0',
    },
  };
}

export interface Service {
  child: Child;
  url: string;
  /** The internal listener (/metrics, the gateway's /auth/*), which S6's nginx asks. */
  internalUrl: string;
}

/** `node dist/main.js` (built by `npm run build`) on a free port, pinned to the server CPU. */
export async function startService(
  name: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  dist = resolve(ROOT, 'dist'),
): Promise<Service> {
  const main = resolve(dist, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const internalPort = await freePort();
  const child = startChild(name, process.execPath, [...nodeArgs, main], {
    cpu: SERVER_CPU,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      PORT: String(port),
      INTERNAL_PORT: String(internalPort),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  // /readyz answers 200 only once the store (Redis) does.
  await waitUntil(child, 'answer on /readyz', () => httpAnswers(`${url}/readyz`, 200), 30_000);
  return { child, url, internalUrl: `http://127.0.0.1:${internalPort}` };
}

export const stopService = (s: Service) => stopChild(s.child, 12_000);

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${res.status}: ${await res.text()}`);
  }
}

export interface Login {
  /** "name=value" for a Cookie header. */
  cookie: string;
  sessionToken: string;
}

/** POST /session with an app ID token (HS256, 5 minutes). */
export async function login(service: Service, appJwtSecret: string, sub: string): Promise<Login> {
  const idToken = await new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(appJwtSecret));
  const res = await fetch(`${service.url}/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...VIA_HTTPS },
    body: JSON.stringify({ id_token: idToken }),
  });
  await expectStatus(res, 200, 'POST /session');
  const body = (await res.json()) as { session_token: string };
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-token-bff='))
    ?.split(';')[0];
  if (!cookie) throw new Error('POST /session set no __Host-token-bff cookie');
  return { cookie, sessionToken: body.session_token };
}

/** POST /likecoin/authorize (bearer): the provider URL the app would open. */
async function startFlow(service: Service, bearer: Record<string, string>): Promise<URL> {
  const started = await fetch(`${service.url}/likecoin/authorize`, {
    method: 'POST',
    headers: { ...bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ return_to: RETURN_TO }),
  });
  await expectStatus(started, 200, 'POST /likecoin/authorize');
  return new URL(((await started.json()) as { authorization_url: string }).authorization_url);
}

/**
 * Where the provider sends the browser back: through the stand-in's authorize page (it signs in
 * as its `nextUser`), or, given `as`, with a code the stand-in mints for that Liker directly, so
 * that flows for different Likers can run at the same time.
 */
async function providerRedirect(
  authorizationUrl: URL,
  as?: { standIn: LikeCoinStandIn; liker: string },
): Promise<URL> {
  if (as) {
    const q = authorizationUrl.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    const target = new URL(redirectUri);
    target.searchParams.set('code', as.standIn.issueCode({ redirectUri, scopes, user: as.liker }));
    target.searchParams.set('state', q.get('state') ?? '');
    return target;
  }
  const atProvider = await fetch(authorizationUrl, { redirect: 'manual' });
  await expectStatus(atProvider, 302, 'LikeCoin stand-in authorize page');
  return new URL(atProvider.headers.get('location') ?? '');
}

/**
 * The mobile flow: POST /likecoin/authorize (bearer), the stand-in's page (or a code minted for
 * `as.liker`), the service's callback, POST /likecoin/complete. Returns the new session token the
 * service issues.
 */
export async function connectLikeCoin(
  service: Service,
  sessionToken: string,
  as?: { standIn: LikeCoinStandIn; liker: string },
): Promise<string> {
  const bearer = { Authorization: `Bearer ${sessionToken}`, ...VIA_HTTPS };
  const callback = await providerRedirect(await startFlow(service, bearer), as);
  const back = await fetch(`${service.url}${callback.pathname}${callback.search}`, {
    redirect: 'manual',
    headers: VIA_HTTPS,
  });
  await expectStatus(back, 302, 'GET /likecoin/callback');
  const result = new URL(back.headers.get('location') ?? '').searchParams.get('result');
  if (!result) throw new Error(`callback sent no result handle: ${back.headers.get('location')}`);

  const done = await fetch(`${service.url}/likecoin/complete`, {
    method: 'POST',
    headers: { ...bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ result }),
  });
  await expectStatus(done, 200, 'POST /likecoin/complete');
  const body = (await done.json()) as { session_token: string; likecoin?: { connected?: boolean } };
  if (!body.likecoin?.connected) throw new Error('POST /likecoin/complete: not connected');
  return body.session_token;
}
