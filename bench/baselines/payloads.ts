import { createHmac } from 'node:crypto';

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** The service's token answer, shape and size (~300 bytes): what baselines (a) and (b) send. */
export function tokenAnswer(userId = 'bench-user-1'): Record<string, unknown> {
  const iat = 1_790_000_000;
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: 'livelike-bench-client',
      iat,
      custom_profile_id: userId,
      exp: iat + 3600,
    }),
  );
  const signature = createHmac('sha256', 'x'.repeat(32))
    .update(`${header}.${payload}`)
    .digest('base64url');
  return {
    access_token: `${header}.${payload}.${signature}`,
    token_type: 'Bearer',
    expires_in: 3600,
    expires_at: new Date((iat + 3600) * 1000).toISOString(),
    custom_profile_id: userId,
  };
}

/** A LikeCoin-profile-like JSON document of `bytes` (1 KB): what upstream (d) sends. */
export function upstreamBody(bytes = 1024): Buffer {
  const doc = {
    user: 'bench-liker',
    displayName: 'Bench Liker',
    avatar: 'https://static.like.co/avatar/bench-liker.png',
    cosmosWallet: 'cosmos1' + 'q'.repeat(38),
    likeWallet: 'like1' + 'q'.repeat(38),
    isSubscribedCivicLiker: false,
    isCivicLikerTrial: false,
    description: '',
  };
  // Pad the description so the whole body is exactly `bytes`.
  const bare = Buffer.byteLength(JSON.stringify(doc));
  doc.description = 'x'.repeat(Math.max(0, bytes - bare));
  return Buffer.from(JSON.stringify(doc));
}

/** Upstream (d) answers 64 KB instead of 1 KB on paths ending so. */
export const LARGE_PATH_SUFFIX = '/large';
