import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * An OpenID Provider small enough to lie on purpose: discovery, a JWKS, and a token endpoint
 * that answers whatever ID token the test signed. The refusal tests use it to send ID tokens
 * and logout tokens with wrong claims (the real provider, oidc-provider, signs only good ones).
 */
export interface OidcStandIn {
  issuer: string;
  /** The key its JWKS publishes: what the service must accept. */
  sign(
    claims: JWTPayload,
    options?: { key?: CryptoKey; kid?: string; typ?: string },
  ): Promise<string>;
  /** A key the JWKS does not publish (a forger's). */
  foreignKey: CryptoKey;
  /** The ID token the next code exchange answers with. */
  nextIdToken: string | undefined;
  /** What reached the token endpoint, in order. */
  tokenRequests: { authorization: string | undefined; body: URLSearchParams }[];
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString();
    if (body.length > MAX_BODY) break;
  }
  return new URLSearchParams(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startOidcStandIn(): Promise<OidcStandIn> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'stand-in-1', alg: 'RS256', use: 'sig' };
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const standIn: OidcStandIn = {
    issuer,
    foreignKey: foreign.privateKey,
    nextIdToken: undefined,
    tokenRequests: [],
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({
          alg: 'RS256',
          kid: options.kid ?? 'stand-in-1',
          typ: options.typ ?? 'JWT',
        })
        .sign(options.key ?? privateKey),
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/session/end`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (path === '/jwks') return json(res, 200, { keys: [jwk] });
    if (path === '/token' && req.method === 'POST') {
      void formOf(req).then((body) => {
        standIn.tokenRequests.push({ authorization: req.headers.authorization, body });
        const idToken = standIn.nextIdToken;
        standIn.nextIdToken = undefined;
        if (idToken === undefined) return json(res, 400, { error: 'invalid_grant' });
        json(res, 200, {
          access_token: 'at',
          token_type: 'Bearer',
          expires_in: 60,
          id_token: idToken,
        });
      });
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  return standIn;
}
