import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { DestinationStream } from 'pino';
import { createApp } from '../../src/app';
import { DEFAULT_LIMITS, loadConfig } from '../../src/config';
import { createLogger } from '../../src/log/create-logger';
import { createHttpServer, drain } from '../../src/server';
import { MemoryKv } from '../../src/store/memory-kv';
import {
  startDemoIdentityProvider,
  type DemoIdentityProvider,
} from '../support/demo-identity-provider';
import { startLikeCoinStandIn, type LikeCoinStandIn } from '../support/likecoin-stand-in';
import { startLiveLikeStandIn, type LiveLikeStandIn } from '../support/livelike-stand-in';
import { startOpenIdProvider, type OpenIdProvider } from '../support/openid-provider';

export interface DemoOptions {
  /** The service's port; 0 = any free one. The stand-ins always take free ones. */
  port: number;
  logLevel?: string;
  /** Where the service logs (default stdout, as JSON lines). */
  logDestination?: DestinationStream;
}

export interface Demo {
  /** http://localhost:port/console: the one URL a person needs. */
  consoleUrl: string;
  /** http://localhost:port */
  url: string;
  likeCoin: LikeCoinStandIn;
  liveLike: LiveLikeStandIn;
  identityProvider: DemoIdentityProvider;
  /** The app's OpenID Provider (oidc-provider): GET /login signs in through it. */
  openIdProvider: OpenIdProvider;
  /** Stops the service (draining requests in flight), then every stand-in. */
  close(): Promise<void>;
}

const LIVELIKE_CLIENT_ID = 'demo-livelike-client';
const LIKECOIN_CLIENT_ID = 'demo-likecoin-client';
const APP_JWT_AUDIENCE = 'token-bff-demo';
const OIDC_CLIENT_ID = 'token-bff-demo';
const secret = () => randomBytes(32).toString('base64url');

/**
 * token-bff on the embedded store with stand-ins for LikeCoin, LiveLike and an app identity
 * provider, all on loopback, so every flow works in a browser with no credentials at all.
 * Every secret is random per start: nothing here is worth keeping.
 */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  // Listen first: the service's URL (its port) goes into its own config and the stand-ins'.
  let handler: Express | undefined;
  const trampoline = (req: IncomingMessage, res: ServerResponse) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'Retry-After': '1' }).end();
  };
  const server = createHttpServer(trampoline, DEFAULT_LIMITS);
  server.listen(opts.port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `port ${opts.port} is in use: set DEMO_PORT to another one`
        : `cannot listen on port ${opts.port}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const { port } = server.address() as AddressInfo;
  // localhost, not 127.0.0.1: the cookie and the LikeCoin redirect URI are both for this name.
  const url = `http://localhost:${port}`;
  const consoleUrl = `${url}/console`;

  const started: { close(): Promise<void> }[] = [];
  try {
    const appJwtSecret = secret();
    const liveLikeSecret = secret();
    const likeCoinSecret = secret();
    const identityProvider = await startDemoIdentityProvider({
      secret: appJwtSecret,
      returnTo: consoleUrl,
      audience: APP_JWT_AUDIENCE,
    });
    started.push(identityProvider);
    const likeCoin = await startLikeCoinStandIn({
      clientId: LIKECOIN_CLIENT_ID,
      clientSecret: likeCoinSecret,
      redirectUris: [`${url}/likecoin/callback`],
    });
    started.push(likeCoin);
    likeCoin.behaviour.authorize = 'page';
    const liveLike = await startLiveLikeStandIn(LIVELIKE_CLIENT_ID, liveLikeSecret);
    started.push(liveLike);
    // The other sign-in pattern: the service is the OpenID Connect client (GET /login).
    const oidcSecret = secret();
    const openIdProvider = await startOpenIdProvider({
      clients: [
        {
          client_id: OIDC_CLIENT_ID,
          client_secret: oidcSecret,
          redirect_uris: [`${url}/login/callback`],
          post_logout_redirect_uris: [consoleUrl, `${url}/`],
          backchannel_logout_uri: `${url}/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
      ],
    });
    started.push(openIdProvider);

    const { config, warnings } = loadConfig({
      NODE_ENV: 'development',
      PUBLIC_BASE_URL: url,
      LOG_LEVEL: opts.logLevel ?? 'info',
      SESSION_SECRET: secret(),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      APP_JWT_SECRET: appJwtSecret,
      APP_JWT_ISSUER: identityProvider.url,
      APP_JWT_AUDIENCE,
      LIVELIKE_CLIENT_ID,
      LIVELIKE_CLIENT_SECRET: liveLikeSecret,
      LIVELIKE_API_URL: liveLike.apiUrl,
      LIKECOIN_CLIENT_ID,
      LIKECOIN_CLIENT_SECRET: likeCoinSecret,
      LIKECOIN_AUTHORIZE_URL: likeCoin.authorizeUrl,
      LIKECOIN_TOKEN_URL: likeCoin.tokenUrl,
      LIKECOIN_API_URL: likeCoin.apiUrl,
      CONSOLE_ENABLED: 'true',
      CONSOLE_DEMO_LOGIN_URL: identityProvider.loginUrl,
      APP_OIDC_ISSUER: openIdProvider.issuer,
      APP_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
      APP_OIDC_CLIENT_SECRET: oidcSecret,
      APP_BACKCHANNEL_LOGOUT: 'true',
    });
    const logger = createLogger(config.logLevel, opts.logDestination);
    for (const warning of warnings) logger.warn(warning);
    const kv = new MemoryKv();
    const app = createApp({ config, kv, logger });
    handler = app.app;

    let closing: Promise<void> | undefined;
    return {
      consoleUrl,
      url,
      likeCoin,
      liveLike,
      identityProvider,
      openIdProvider,
      close() {
        closing ??= (async () => {
          await drain(server, 2000);
          await app.close();
          await kv.close();
          await Promise.all(started.map((s) => s.close()));
        })();
        return closing;
      },
    };
  } catch (err) {
    server.close();
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
