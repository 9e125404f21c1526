import { SignJWT } from 'jose';
import {
  startLiveLikeStandIn,
  type LiveLikeProfile,
  type LiveLikeStandIn,
} from './livelike-stand-in';

// The stand-in is only worth what it refuses: these hold it to LiveLike's answers, so the SDK
// tests that rely on it cannot pass against a stand-in that accepts anything.

const CLIENT_ID = 'sdk-client';
const CLIENT_SECRET = 'sdk-client-secret-0123456789abcdef0123';
const PAGE_ORIGIN = 'http://127.0.0.1:3999';

let clockMs = Date.now();
let livelike: LiveLikeStandIn;

beforeEach(async () => {
  clockMs = Date.now();
  livelike = await startLiveLikeStandIn(CLIENT_ID, CLIENT_SECRET, { now: () => clockMs });
});

afterEach(() => livelike.close());

const profileUrl = () => `${livelike.apiUrl}/applications/${CLIENT_ID}/profile/`;

function profileToken(
  customProfileId: string,
  { secret = CLIENT_SECRET, iat = Math.floor(clockMs / 1000), ttl = 3600 } = {},
): Promise<string> {
  return new SignJWT({ custom_profile_id: customProfileId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(CLIENT_ID)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(new TextEncoder().encode(secret));
}

const profileOf = async (res: Response) => (await res.json()) as LiveLikeProfile;

const withBearer = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
});

it('answers the application without credentials, with the profile URL the SDK follows', async () => {
  const res = await fetch(`${livelike.apiUrl}/applications/${CLIENT_ID}/`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ client_id: CLIENT_ID, profile_url: profileUrl() });
  const other = await fetch(`${livelike.apiUrl}/applications/someone-else/`);
  expect(other.status).toBe(404);
  expect(await other.json()).toEqual({ detail: 'Not found.' });
});

it("a token's first use creates its profile; PATCH changes it; GET shows the change", async () => {
  const token = await profileToken('fan-1');
  const first = await profileOf(await fetch(profileUrl(), withBearer(token)));
  expect(first).toMatchObject({ custom_profile_id: 'fan-1', nickname: 'Fan 1' });
  const patched = await fetch(
    profileUrl(),
    withBearer(token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname: 'Ada' }),
    }),
  );
  expect(patched.status).toBe(200);
  const again = await profileOf(await fetch(profileUrl(), withBearer(await profileToken('fan-1'))));
  expect(again).toEqual({ ...first, nickname: 'Ada' });
  const other = await profileOf(await fetch(profileUrl(), withBearer(await profileToken('fan-2'))));
  expect(other.id).not.toBe(first.id);
  expect(livelike.requests.map((r) => [r.method, r.status])).toEqual([
    ['GET', 200],
    ['PATCH', 200],
    ['GET', 200],
    ['GET', 200],
  ]);
});

it.each<[string, () => Promise<RequestInit>, string]>([
  ['no token', async () => ({}), 'Authentication credentials were not provided.'],
  [
    'a token signed with another secret',
    async () => withBearer(await profileToken('fan-1', { secret: `${CLIENT_SECRET}-other` })),
    'Invalid token.',
  ],
  ['not a JWT', async () => withBearer('logged-out'), 'Invalid token.'],
  [
    'a token expired by the stand-in clock',
    async () => withBearer(await profileToken('fan-1', { iat: Math.floor(clockMs / 1000) - 7200 })),
    'Token expired.',
  ],
])('%s: 401 with its detail', async (_name, init, detail) => {
  const res = await fetch(profileUrl(), await init());
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ detail });
});

it("judges expiry by its own clock: a fresh token is expired once the stand-in's clock passes exp", async () => {
  const token = await profileToken('fan-1', { ttl: 60 });
  expect((await fetch(profileUrl(), withBearer(token))).status).toBe(200);
  clockMs += 61_000;
  const res = await fetch(profileUrl(), withBearer(token));
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ detail: 'Token expired.' });
});

it('lets a page on another origin call it: preflight for Authorization and Content-Type, and the answer', async () => {
  const preflight = await fetch(profileUrl(), {
    method: 'OPTIONS',
    headers: {
      origin: PAGE_ORIGIN,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
  expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
  expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
  const res = await fetch(
    profileUrl(),
    withBearer(await profileToken('fan-1'), { headers: { origin: PAGE_ORIGIN } }),
  );
  expect(res.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
  // A refusal too: the page reads its detail.
  const refused = await fetch(profileUrl(), { headers: { origin: PAGE_ORIGIN } });
  expect(refused.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
});

it('a PATCH whose body is not JSON: 400 with a detail, nothing changed', async () => {
  const token = await profileToken('fan-1');
  const res = await fetch(
    profileUrl(),
    withBearer(token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{',
    }),
  );
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ detail: 'JSON parse error.' });
  expect((await profileOf(await fetch(profileUrl(), withBearer(token)))).nickname).toBe('Fan 1');
});
