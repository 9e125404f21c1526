// A real OpenID Provider (panva's oidc-provider, certified) on loopback, for the tests and the
// demo: run in its own process (tsx) because it is ESM and jest's module system is not. Reads
// its options as JSON from OP_OPTIONS, prints one JSON line when it listens, and one per
// back-channel logout it sends. Nobody here wrote the provider: only this wiring.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { OpenIdProviderOptions } from './openid-provider';

const options = JSON.parse(process.env.OP_OPTIONS ?? '{}') as OpenIdProviderOptions;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: options.clients,
    jwks: { keys: options.keys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The account is whoever typed their name in the dev login form; its id is the `sub`.
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, name: id }),
    }),
    claims: { openid: ['sub'], profile: ['name'] },
    // Its outgoing calls (the back-channel logout) refuse loopback addresses, rightly for a
    // real deployment (SSRF); here the relying party is on loopback, so its guard is left out.
    fetch: (
      url: string,
      { dispatcher: _ssrfGuard, ...init }: RequestInit & { dispatcher?: unknown },
    ) => fetch(url, init),
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: options.idTokenTtlSeconds ?? 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  });
  provider.on(
    'backchannel.success',
    (_ctx: unknown, client: { clientId: string }, sub: string, sid: string) =>
      say({ event: 'backchannel.success', client: client.clientId, sub, sid }),
  );
  provider.on('backchannel.error', (_ctx: unknown, err: Error, client: { clientId: string }) =>
    say({ event: 'backchannel.error', client: client.clientId, error: err.message }),
  );
  provider.on('server_error', (_ctx: unknown, err: Error) =>
    say({ event: 'server_error', error: err.message }),
  );
  server.on('request', provider.callback());
  say({ event: 'listening', issuer });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  // Its parent holds the other end of stdin: when the parent dies, however, so does this.
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `openid provider failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
