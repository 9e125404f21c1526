import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import { createProfileTokenMinter } from '../../src/livelike/mint-profile-token';

// The minter signs with node:crypto's HMAC for speed; jose is the reference it must equal.
const secret = 'livelike-client-secret-0123456789abcdef-ü';
const key = new TextEncoder().encode(secret);
const at = Date.UTC(2026, 11, 1, 9, 0, 0);

it.each([
  ['with expiry', 3600, 'user-1'],
  ['without expiry (TTL 0)', 0, 'user-2'],
  ['a user id that needs escaping in JSON', 60, 'quote"back\\slash/ünïcødé'],
  ['a 255-character id', 60, 'x'.repeat(255)],
])('%s: byte for byte what jose SignJWT makes, and jose verifies it', async (_n, ttl, user) => {
  const minted = await createProfileTokenMinter({
    clientId: 'client-1',
    clientSecret: secret,
    ttlSeconds: ttl,
    now: () => at,
  })(user);
  const claims: Record<string, unknown> = {
    iss: 'client-1',
    iat: at / 1000,
    custom_profile_id: user,
  };
  if (ttl > 0) claims.exp = at / 1000 + ttl;
  const reference = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(key);
  expect(minted.token).toBe(reference);
  const { payload } = await jwtVerify(minted.token, key, {
    algorithms: ['HS256'],
    currentDate: new Date(at),
  });
  expect(payload).toEqual(claims);
  expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
});

it('a token signed with another secret does not verify', async () => {
  const minted = await createProfileTokenMinter({
    clientId: 'c',
    clientSecret: 'another-secret-0123456789abcdef0123',
    ttlSeconds: 60,
    now: () => at,
  })('u');
  await expect(jwtVerify(minted.token, key, { currentDate: new Date(at) })).rejects.toThrow();
});
