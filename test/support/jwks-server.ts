import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** How the stand-in identity provider answers `GET /jwks.json`. */
export type JwksBehaviour = 'serve' | 'hang' | 'fail';

export interface JwksServer {
  /** http://127.0.0.1:port/jwks.json */
  url: string;
  /** Paths of every request received, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * A stand-in identity provider's key endpoint on a loopback port: it serves `keys` as a JWKS,
 * answers 500, or accepts the request and never answers.
 */
export async function startJwksServer(
  keys: readonly JWK[],
  behaviour: JwksBehaviour = 'serve',
): Promise<JwksServer> {
  const requests: string[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (behaviour === 'hang') {
      hanging.push(res);
    } else if (behaviour === 'fail' || req.url !== '/jwks.json') {
      res.writeHead(behaviour === 'fail' ? 500 : 404).end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  /** The public half, as the JWKS publishes it (with kid, alg and use). */
  publicJwk: JWK;
  /** The public half as SPKI PEM, what an algorithm-confusion attacker would use as HMAC key. */
  publicPem: string;
  /** Signs `claims` with this key; `exp` defaults to 5 minutes from now unless set to null. */
  sign(claims: Omit<JWTPayload, 'exp'> & { exp?: number | null }, kid?: string): Promise<string>;
}

export async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    publicJwk,
    publicPem: await exportSPKI(publicKey),
    async sign({ exp, ...claims }, headerKid = kid) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg, kid: headerKid, typ: 'JWT' })
        .setIssuedAt();
      if (exp !== null) jwt.setExpirationTime(exp ?? '5m');
      return jwt.sign(privateKey);
    },
  };
}
