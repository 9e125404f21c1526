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
import { likeCoinProvider, parseTokenResponse } from '../../src/likecoin/likecoin-provider';
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
    await client.refresh('refresh-0', ['profile']);
    expect(Object.fromEntries(endpoint.requests[0]!.form)).toEqual({
      client_id: 'bff-client',
      client_secret: 'bff-secret',
      grant_type: 'refresh_token',
      refresh_token: 'refresh-0',
    });
  });
});

describe('a 200 answer', () => {
  it("becomes granted tokens: subject from `user`, expiry and scopes from the JWT's claims", async () => {
    const access = accessToken({
      user: 'alice-liker',
      scope: ['profile', 'email'],
      exp: 1_900_000_000,
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
    });
  });

  it('of a refresh is parsed the same way, with the known scopes standing in', async () => {
    endpoint.answer = json(200, tokenBody({ access_token: 'opaque', refresh_token: 'refresh-2' }));
    const granted = await client.refresh('refresh-1', ['profile', 'write']);
    expect(granted).toMatchObject({
      refreshToken: 'refresh-2',
      scopes: ['profile', 'write'],
      expiresAt: NOW + 3600_000,
    });
  });

  it.each<[string, string]>([
    ['malformed JSON', '{"user":'],
    ['no user', tokenBody({ user: undefined })],
    ['no access token', tokenBody({ access_token: undefined })],
    ['no refresh token', tokenBody({ refresh_token: undefined })],
    ['a JSON array', '[]'],
    ['an empty body', ''],
  ])('with %s is unavailable (unexpected_response)', async (_name, body) => {
    endpoint.answer = json(200, body);
    const err = await refusal(client.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unavailable');
    expect(err.providerCode).toBe('unexpected_response');
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
    ['429 (a rate limit is no verdict on the grant)', 'unavailable', undefined, text(429, '')],
    ['403 from a firewall page', 'unavailable', undefined, text(403, '<html>Blocked</html>')],
    ['408', 'unavailable', undefined, text(408, '')],
    ['400 with a code and a newline', 'refused', 'INVALID_GRANT', text(400, 'INVALID_GRANT\n')],
    ['401 with a code', 'refused', 'LOGIN_NEEDED', text(401, 'LOGIN_NEEDED')],
    ['400 with an HTML page', 'refused', undefined, text(400, '<html><body>Bad</body></html>')],
    ['400 with JSON', 'refused', undefined, json(400, '{"error":"invalid_grant"}')],
    ['400 with a code too long to be one', 'refused', undefined, text(400, 'X'.repeat(65))],
    ['400 with a log-injection attempt', 'refused', undefined, text(400, 'BAD\r\nlevel=error')],
    ['400 with an empty body', 'refused', undefined, text(400, '')],
    ['500', 'unavailable', undefined, text(500, 'Internal Server Error')],
    ['502', 'unavailable', undefined, text(502, 'Bad Gateway')],
    [
      'a 302 redirect (not followed)',
      'unavailable',
      undefined,
      (_q, res) => res.writeHead(302, { location: '/elsewhere' }).end(),
    ],
    ['a 204', 'unavailable', undefined, (_q, res) => res.writeHead(204).end()],
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
    const err = await refusal(client.refresh('refresh-1', ['profile']));
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

  it('a body over maxResponseBytes ⇒ unavailable', async () => {
    const small = clientFor(endpoint.url, { maxResponseBytes: 1024 });
    endpoint.answer = json(200, tokenBody({ displayName: 'A'.repeat(1000) }));
    const err = await refusal(small.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unavailable');
    expect(err.providerCode).toBeUndefined();
  });

  it('a refusal over maxResponseBytes ⇒ unavailable, not refused', async () => {
    const small = clientFor(endpoint.url, { maxResponseBytes: 64 });
    endpoint.answer = text(400, 'X'.repeat(10_000));
    const err = await refusal(small.exchangeCode('c', ['profile']));
    expect(err.kind).toBe('unavailable');
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

describe('parseTokenResponse', () => {
  const exp = 1_900_000_000;
  const asked = ['profile', 'asked'];
  const body = (fields: Record<string, unknown>) =>
    JSON.stringify({ user: 'u1', access_token: 'opaque', refresh_token: 'r1', ...fields });

  it.each<[string, string, Partial<GrantedTokens> | undefined]>([
    [
      'the minimal answer (opaque token: one hour, the asked scopes)',
      body({}),
      {
        subject: 'u1',
        displayName: '',
        avatar: '',
        accessToken: 'opaque',
        refreshToken: 'r1',
        scopes: asked,
        expiresAt: NOW + 3600_000,
      },
    ],
    [
      'displayName and avatar null',
      body({ displayName: null, avatar: null }),
      { displayName: '', avatar: '' },
    ],
    [
      'displayName and avatar given',
      body({ displayName: 'U', avatar: 'https://a/u.png' }),
      { displayName: 'U', avatar: 'https://a/u.png' },
    ],
    [
      'unknown fields are ignored',
      body({ token_type: 'Bearer', extra: { a: 1 } }),
      { subject: 'u1' },
    ],
    [
      'JWT exp',
      body({ access_token: accessToken({ exp }) }),
      { expiresAt: exp * 1000, scopes: asked },
    ],
    [
      'JWT exp not a number',
      body({ access_token: accessToken({ exp: String(exp) }) }),
      { expiresAt: NOW + 3600_000 },
    ],
    [
      'JWT scope array',
      body({ access_token: accessToken({ exp, scope: ['a', 'b'] }) }),
      { scopes: ['a', 'b'] },
    ],
    [
      'JWT scope array with non-strings',
      body({ access_token: accessToken({ scope: ['a', 7, null, 'b'] }) }),
      { scopes: ['a', 'b'] },
    ],
    [
      'JWT scope string',
      body({ access_token: accessToken({ scope: 'a  b' }) }),
      { scopes: ['a', 'b'] },
    ],
    [
      'JWT scope wins over the body scope',
      body({ scope: ['body'], access_token: accessToken({ scope: ['jwt'] }) }),
      { scopes: ['jwt'] },
    ],
    [
      'JWT without scope: the body scope array',
      body({ scope: ['x', 'y'], access_token: accessToken({ exp }) }),
      { scopes: ['x', 'y'] },
    ],
    ['no JWT: the body scope string', body({ scope: 'x y' }), { scopes: ['x', 'y'] }],
    ['an empty body scope string', body({ scope: '' }), { scopes: [] }],
    ['body scope null: the asked ones', body({ scope: null }), { scopes: asked }],
    [
      'a JWT-looking token that is not one',
      body({ access_token: 'a.b.c' }),
      { expiresAt: NOW + 3600_000, scopes: asked },
    ],
    ['not JSON', 'user=u1', undefined],
    ['JSON null', 'null', undefined],
    ['a JSON string', '"u1"', undefined],
    ['an empty user', body({ user: '' }), undefined],
    ['a numeric user', body({ user: 42 }), undefined],
    ['a user over 255 characters', body({ user: 'u'.repeat(256) }), undefined],
    ['an empty access token', body({ access_token: '' }), undefined],
    ['an access token over 16 KiB', body({ access_token: 'a'.repeat(16 * 1024 + 1) }), undefined],
    ['an empty refresh token', body({ refresh_token: '' }), undefined],
    ['no refresh token', JSON.stringify({ user: 'u1', access_token: 'opaque' }), undefined],
    ['a numeric scope', body({ scope: 3 }), undefined],
    ['a displayName that is no string', body({ displayName: 5 }), undefined],
  ])('%s', (_name, text, expected) => {
    const granted = parseTokenResponse(text, asked, NOW);
    if (expected === undefined) expect(granted).toBeUndefined();
    else expect(granted).toMatchObject(expected);
  });

  it('copies the asked scopes rather than sharing the array', () => {
    const scopes = ['profile'];
    const granted = parseTokenResponse(body({}), scopes, NOW);
    expect(granted?.scopes).toEqual(scopes);
    expect(granted?.scopes).not.toBe(scopes);
  });
});
