import { UnsecuredJWT } from 'jose';
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { LikeCoinConfig } from '../../src/config';
import { likeCoinProvider } from '../../src/likecoin/likecoin-provider';
import type { GrantedTokens } from '../../src/oauth/provider';
import {
  ProviderError,
  tokenEndpointClient,
  type TokenEndpointClient,
} from '../../src/oauth/token-endpoint-client';

const NOW = Date.UTC(2030, 0, 1);
const CREDENTIALS = { clientId: 'bff-client', clientSecret: 'bff-secret' };
const REDIRECT_URI = 'https://bff.example/likecoin/callback';

function configFor(tokenUrl: string): LikeCoinConfig {
  return {
    credentials: CREDENTIALS,
    redirectUri: new URL(REDIRECT_URI),
    scopes: ['profile', 'email'],
    authorizeUrl: new URL('https://like.co/in/oauth'),
    tokenUrl: new URL(tokenUrl),
    apiUrl: new URL('https://api.like.co/api'),
    apiPaths: ['/users/'],
    pkce: false,
    stateTtlSeconds: 600,
    timeoutMs: 200,
  };
}

/** An access token shaped like LikeCoin's, with the claims a test wants (not signed). */
function accessToken(claims: Record<string, unknown>): string {
  return new UnsecuredJWT(claims).encode();
}

function tokenBody(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    user: 'alice-liker',
    displayName: 'Alice',
    avatar: 'https://static.like.co/avatar/alice.png',
    access_token: accessToken({ user: 'alice-liker', scope: ['profile'], exp: NOW / 1000 + 3600 }),
    refresh_token: 'refresh-1',
    ...overrides,
  });
}

/** A grant as stored, to refresh. */
const STORED: GrantedTokens = {
  subject: 'alice-liker',
  displayName: 'Alice',
  avatar: 'https://static.like.co/avatar/alice.png',
  accessToken: 'old-access',
  refreshToken: 'refresh-0',
  scopes: ['profile', 'email'],
  expiresAt: NOW - 1000,
  issuedAt: NOW - 3600_000,
  requestedAt: NOW - 3600_000,
};

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A token endpoint on loopback: records each request, answers as the test says. */
interface FakeTokenEndpoint {
  url: string;
  requests: Recorded[];
  answer: Answer;
  close(): Promise<void>;
}

async function startTokenEndpoint(): Promise<FakeTokenEndpoint> {
  const endpoint: FakeTokenEndpoint = {
    url: '',
    requests: [],
    answer: (_req, res) => res.writeHead(500).end(),
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      endpoint.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      });
      endpoint.answer(req, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/access_token`;
  endpoint.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return endpoint;
}

const json =
  (status: number, body: string): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
const text =
  (status: number, body: string): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);

let endpoint: FakeTokenEndpoint;
let dispatcher: Agent;
let client: TokenEndpointClient;

function clientFor(
  tokenUrl: string,
  overrides: { timeoutMs?: number; maxResponseBytes?: number } = {},
) {
  return tokenEndpointClient({
    provider: likeCoinProvider(configFor(tokenUrl), CREDENTIALS),
    dispatcher,
    timeoutMs: overrides.timeoutMs ?? 200,
    maxResponseBytes: overrides.maxResponseBytes ?? 16 * 1024,
    now: () => NOW,
  });
}

beforeAll(async () => {
  endpoint = await startTokenEndpoint();
  dispatcher = new Agent({ connections: 4 });
});

afterAll(async () => {
  await dispatcher.close();
  await endpoint.close();
});

beforeEach(() => {
  endpoint.requests.length = 0;
  endpoint.answer = json(200, tokenBody());
  client = clientFor(endpoint.url);
});

async function refusal(call: Promise<unknown>): Promise<ProviderError> {
  const err = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('the request', () => {
  it('exchanges a code: a form POST with the client credentials and the redirect URI', async () => {
    await client.exchangeCode('the-code', ['profile']);
    expect(endpoint.requests).toHaveLength(1);
    const [req] = endpoint.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/oauth/access_token');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers.accept).toBe('application/json');
    expect(Object.fromEntries(req!.form)).toEqual({
      client_id: 'bff-client',
      client_secret: 'bff-secret',
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: REDIRECT_URI,
    });
  });

  it('sends the PKCE verifier when there is one', async () => {
    await client.exchangeCode('the-code', ['profile'], 'verifier-0123456789');
    expect(endpoint.requests[0]!.form.get('code_verifier')).toBe('verifier-0123456789');
  });

  it('encodes values that need it', async () => {
    await client.exchangeCode('a&b=c +%', ['profile']);
    expect(endpoint.requests[0]!.form.get('code')).toBe('a&b=c +%');
    expect(endpoint.requests[0]!.form.getAll('b')).toEqual([]);
  });

  it('refreshes: grant_type refresh_token with the refresh token, no code or redirect URI', async () => {
    await client.refresh(STORED);
    expect(Object.fromEntries(endpoint.requests[0]!.form)).toEqual({
      client_id: 'bff-client',
      client_secret: 'bff-secret',
      grant_type: 'refresh_token',
      refresh_token: 'refresh-0',
    });
  });
});

describe('a 200 answer', () => {
  it("of an exchange becomes granted tokens: subject from `user`, times and scopes from the JWT's claims", async () => {
    const access = accessToken({
      user: 'alice-liker',
      scope: ['profile', 'email'],
      exp: 1_900_000_000,
      iat: 1_899_996_400,
    });
    endpoint.answer = json(200, tokenBody({ access_token: access, scope: 'ignored' }));
    await expect(client.exchangeCode('c', ['profile'])).resolves.toEqual<GrantedTokens>({
      subject: 'alice-liker',
      displayName: 'Alice',
      avatar: 'https://static.like.co/avatar/alice.png',
      accessToken: access,
      refreshToken: 'refresh-1',
      scopes: ['profile', 'email'],
      expiresAt: 1_900_000_000_000,
      issuedAt: 1_899_996_400_000,
      requestedAt: NOW,
    });
  });

  it('stamps requestedAt before the request is sent, not when the answer is read', async () => {
    let clock = NOW;
    const ticking = tokenEndpointClient({
      provider: likeCoinProvider(configFor(endpoint.url), CREDENTIALS),
      dispatcher,
      timeoutMs: 200,
      maxResponseBytes: 16 * 1024,
      now: () => clock,
    });
    endpoint.answer = (req, res) => {
      clock = NOW + 5000; // time passes while the provider works
      json(200, tokenBody({ access_token: 'opaque' }))(req, res);
    };
    const granted = await ticking.exchangeCode('c', ['profile']);
    expect(granted).toMatchObject({ requestedAt: NOW, issuedAt: NOW, expiresAt: NOW + 3600_000 });
  });

  it('of a refresh is merged into the stored tokens: what it leaves out keeps its value', async () => {
    const access = accessToken({ user: 'alice-liker', exp: 1_900_000_000 });
    endpoint.answer = json(200, JSON.stringify({ access_token: access }));
    await expect(client.refresh(STORED)).resolves.toEqual<GrantedTokens>({
      ...STORED,
      accessToken: access,
      expiresAt: 1_900_000_000_000,
      issuedAt: NOW,
      requestedAt: NOW,
    });
  });

  it.each<[string, string, ProviderError['kind'], string | undefined]>([
    ['malformed JSON', '{"user":', 'unusable', 'unexpected_response'],
    ['no access token', tokenBody({ access_token: undefined }), 'unusable', 'unexpected_response'],
    ['a JSON array', '[]', 'unusable', 'unexpected_response'],
    ['an empty body', '', 'unusable', 'unexpected_response'],
    ['another user', tokenBody({ user: 'mallory' }), 'subject_changed', undefined],
  ])('of a refresh with %s ⇒ %s (%s)', async (_name, body, kind, providerCode) => {
    endpoint.answer = json(200, body);
    const err = await refusal(client.refresh(STORED));
    expect([err.kind, err.providerCode]).toEqual([kind, providerCode]);
  });

  it.each<[string, string]>([
    ['malformed JSON', '{"user":'],
    [
      'no user, and an access token that is no JWT',
      tokenBody({ user: undefined, access_token: 'opaque' }),
    ],
    ['no access token', tokenBody({ access_token: undefined })],
    ['a JSON array', '[]'],
    ['an empty body', ''],
  ])('of an exchange with %s is unusable (unexpected_response)', async (_name, body) => {
    endpoint.answer = json(200, body);
    const err = await refusal(client.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unusable');
    expect(err.providerCode).toBe('unexpected_response');
  });

  it('a 201 is read as an answer too (the code is spent either way)', async () => {
    endpoint.answer = json(201, tokenBody());
    await expect(client.exchangeCode('c', ['profile'])).resolves.toMatchObject({
      subject: 'alice-liker',
    });
  });
});

describe('failures', () => {
  it.each<[string, ProviderError['kind'], string | undefined, Answer]>([
    [
      '400 text/plain INVALID_CLIENT_CRED (our credentials, not the grant)',
      'misconfigured',
      'INVALID_CLIENT_CRED',
      text(400, 'INVALID_CLIENT_CRED'),
    ],
    [
      '400 MISSING_CLIENT_INFO',
      'misconfigured',
      'MISSING_CLIENT_INFO',
      text(400, 'MISSING_CLIENT_INFO'),
    ],
    [
      '401 JSON invalid_client',
      'misconfigured',
      'invalid_client',
      json(401, '{"error":"invalid_client"}'),
    ],
    [
      '400 JSON unauthorized_client',
      'misconfigured',
      'unauthorized_client',
      json(400, '{"error":"unauthorized_client","error_description":"no"}'),
    ],
    ['429 (a rate limit is no verdict on the grant)', 'unavailable', undefined, text(429, '')],
    ['408', 'unavailable', undefined, text(408, '')],
    [
      '429 naming our client',
      'unavailable',
      'INVALID_CLIENT_CRED',
      text(429, 'INVALID_CLIENT_CRED'),
    ],
    ['403 with an HTML page', 'refused', undefined, text(403, '<html>Blocked</html>')],
    ['404 with a code', 'refused', 'NOT_FOUND', text(404, 'NOT_FOUND')],
    ['400 with a code and a newline', 'refused', 'INVALID_GRANT', text(400, 'INVALID_GRANT\n')],
    ['401 with a code', 'refused', 'LOGIN_NEEDED', text(401, 'LOGIN_NEEDED')],
    ['400 with an HTML page', 'refused', undefined, text(400, '<html><body>Bad</body></html>')],
    [
      '400 with JSON invalid_grant',
      'refused',
      'invalid_grant',
      json(400, '{"error":"invalid_grant"}'),
    ],
    ['400 with a code too long to be one', 'refused', undefined, text(400, 'X'.repeat(65))],
    ['400 with a log-injection attempt', 'refused', undefined, text(400, 'BAD\r\nlevel=error')],
    ['400 with an empty body', 'refused', undefined, text(400, '')],
    ['500', 'unavailable', undefined, text(500, 'Internal Server Error')],
    ['502', 'unavailable', undefined, text(502, 'Bad Gateway')],
    [
      '500 naming our client',
      'unavailable',
      'INVALID_CLIENT_CRED',
      text(500, 'INVALID_CLIENT_CRED'),
    ],
    [
      'a 302 redirect (not followed: the URL is not the token endpoint)',
      'misconfigured',
      undefined,
      (_q, res) => res.writeHead(302, { location: '/elsewhere' }).end(),
    ],
    ['a 204', 'unusable', 'unexpected_response', (_q, res) => res.writeHead(204).end()],
    ['a reset connection', 'unavailable', undefined, (req) => req.socket.destroy()],
  ])('%s ⇒ %s (%s)', async (_name, kind, providerCode, answer) => {
    endpoint.answer = answer;
    const err = await refusal(client.exchangeCode('c', ['profile']));
    expect(err.kind).toBe(kind);
    expect(err.providerCode).toBe(providerCode);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a 500 of a refresh is never retried', async () => {
    endpoint.answer = text(500, 'oops');
    const err = await refusal(client.refresh(STORED));
    expect(err.kind).toBe('unavailable');
    expect(endpoint.requests).toHaveLength(1);
  });

  it('no answer within timeoutMs ⇒ timeout', async () => {
    endpoint.answer = () => undefined; // hangs until close() cuts it
    const started = Date.now();
    const err = await refusal(client.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a body that stops half-way past timeoutMs ⇒ timeout (the whole call is timed)', async () => {
    endpoint.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"user":"alice-liker",');
    };
    const err = await refusal(client.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('timeout');
  });

  it('a 200 over maxResponseBytes ⇒ unusable, never read', async () => {
    const small = clientFor(endpoint.url, { maxResponseBytes: 1024 });
    endpoint.answer = json(200, tokenBody({ displayName: 'A'.repeat(1000) }));
    const err = await refusal(small.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unusable');
  });

  it('a refusal over maxResponseBytes ⇒ judged by its status alone', async () => {
    const small = clientFor(endpoint.url, { maxResponseBytes: 64 });
    endpoint.answer = text(400, 'X'.repeat(10_000));
    expect((await refusal(small.exchangeCode('c', ['profile']))).kind).toBe('refused');
    endpoint.answer = text(503, 'X'.repeat(10_000));
    expect((await refusal(small.exchangeCode('c', ['profile']))).kind).toBe('unavailable');
  });

  it('a body just within maxResponseBytes is read', async () => {
    const body = tokenBody();
    const exact = clientFor(endpoint.url, { maxResponseBytes: Buffer.byteLength(body) });
    endpoint.answer = json(200, body);
    await expect(exact.exchangeCode('c', ['profile'])).resolves.toMatchObject({
      subject: 'alice-liker',
    });
  });

  it('a closed port ⇒ unavailable', async () => {
    const gone = await startTokenEndpoint();
    await gone.close();
    const err = await refusal(clientFor(gone.url).exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unavailable');
  });

  it("names the kind and the provider's code in its message, never the request", async () => {
    endpoint.answer = text(400, 'INVALID_CLIENT_CRED');
    const err = await refusal(client.exchangeCode('secret-code', ['profile']));
    expect(err.name).toBe('ProviderError');
    expect(err.message).toBe('token endpoint misconfigured: INVALID_CLIENT_CRED');
    expect(err.message).not.toContain('secret-code');
    expect(err.message).not.toContain('bff-secret');
  });
});
