import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log/create-logger';
import { createHttpServer } from '../../src/server';
import { createKv } from '../../src/store/create-kv';
import type { RedisKv } from '../../src/store/redis-kv';
import { LogCapture } from './log-capture';
import { CLIENT_ID, CLIENT_SECRET, oidcEnv } from './oidc-login';
import { startOpenIdProvider, type OpenIdProvider } from './openid-provider';
import { BASE_ENV, sharedRedisTopology, topologyEnv } from './test-app';

export interface OidcService {
  /** http://127.0.0.1:port: the service (its PUBLIC_BASE_URL). */
  url: string;
  provider: OpenIdProvider;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * token-bff on the run's Redis with a real OpenID Provider (oidc-provider) as the app's identity
 * provider, each registered with the other: the service listens first (its URL is the client's
 * redirect, post-logout and back-channel URIs at the provider), then the provider starts, then
 * the service is built with the provider's issuer.
 */
export async function startOidcService(env: Record<string, string> = {}): Promise<OidcService> {
  // Requests before the app exists (none are expected) are told to come back.
  const routed: { app?: Express } = {};
  const trampoline = (req: IncomingMessage, res: ServerResponse) => {
    if (routed.app) return routed.app(req, res);
    res.writeHead(503, { 'Retry-After': '1' }).end();
  };
  const { config: limitsOnly } = loadConfig(BASE_ENV);
  const server = createHttpServer(trampoline, limitsOnly.limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stopServer = async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  };
  let provider: OpenIdProvider;
  try {
    provider = await startOpenIdProvider({
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${url}/login/callback`],
          post_logout_redirect_uris: [`${url}/console`, `${url}/`],
          backchannel_logout_uri: `${url}/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
      ],
    });
  } catch (err) {
    await stopServer();
    throw err;
  }
  const topology = sharedRedisTopology();
  const { config } = loadConfig({
    ...BASE_ENV,
    ...topologyEnv(topology),
    REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
    PUBLIC_BASE_URL: url,
    CONSOLE_ENABLED: 'true',
    ...oidcEnv(provider.issuer),
    ALLOWED_RETURN_TO: url,
    ...env,
  });
  const kv = createKv(config) as RedisKv;
  await once(kv.client, 'ready');
  const logs = new LogCapture();
  const app = createApp({ config, kv, logger: createLogger(config.logLevel, logs.stream) });
  routed.app = app.app;
  return {
    url,
    provider,
    logs,
    async close() {
      await stopServer();
      await app.close();
      await kv.close();
      await provider.close();
    },
  };
}
