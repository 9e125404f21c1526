/**
 * Every key token-bff writes, in one place (relative: the store adds REDIS_KEY_PREFIX).
 *
 * Redis Cluster hashes only the part of a key between the first `{` and the next `}` when there
 * is one, so the keys one operation names together carry the same `{tag}`: a grant's token set,
 * refresh lock and linked-session index share one slot. A session is a single key (its
 * tombstone is a value of that key), so nothing about one session spans two slots. Ids that
 * come from outside (user ids) are percent-encoded: a `{`, `}`, `*` or `:` in
 * them can neither move a key to another slot nor match another key's pattern.
 */
export const keys = {
  /** connect-redis adds this prefix to the session id itself. */
  sessionPrefix: 'sess:',
  session: (sessionId: string) => `sess:${sessionId}`,
  /** A user's live sessions (their devices): handle → device record. */
  userSessions: (userId: string) => `user:{${encode(userId)}}:sessions`,
  /** What an OAuth `state` stands for while the user is at the provider. */
  oauthState: (provider: string, state: string) => `${provider}:state:${state}`,
  /** The states a session has open (capped: the oldest are dropped). */
  openStates: (provider: string, sessionId: string) => `${provider}:open-states:${sessionId}`,
  /** A returned bearer flow waiting for its app to complete it. */
  flowResult: (provider: string, handle: string) => `${provider}:result:${handle}`,
  /** `grantId` is a digest (base64url): no `{`, `}` or pattern characters can be in it. */
  grant: (provider: string, grantId: string) => {
    const tag = `grant:{${provider}:${grantId}}`;
    return {
      /** The sealed token set. */
      tokens: `${tag}:tokens`,
      /** Held by whoever is refreshing the grant. */
      lock: `${tag}:lock`,
      /** Linked session id → when that link lapses (ms since the epoch). */
      sessions: `${tag}:sessions`,
      /** Set after a refresh: until it lapses, an upstream 401 does not refresh again. */
      recentlyRefreshed: `${tag}:refreshed`,
    };
  },
  /** Sign-ins through the app's OpenID Provider of one `sub`: device handle → its record. */
  oidcSubject: (sub: string) => `oidc:sub:{${encode(sub)}}:sign-ins`,
  /** The `sub` an OpenID Provider session (`sid`) signed in (a logout token may name only it). */
  oidcSid: (sid: string) => `oidc:sid:{${encode(sid)}}`,
  /** One sign-in's sealed ID token (the logout's `id_token_hint`), by device handle. */
  oidcIdToken: (handle: string) => `oidc:id-token:${handle}`,
  /** A back-channel logout token's `jti`, kept while the token could be replayed. */
  logoutTokenJti: (jti: string) => `oidc:logout-jti:{${encode(jti)}}`,
  /** A rate-limit counter. */
  rateLimit: (limit: string, subject: string) => `rl:${limit}:{${encode(subject)}}`,
} as const;

export type GrantKeys = ReturnType<typeof keys.grant>;

// A lone UTF-16 surrogate, which encodeURIComponent refuses with a throw.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Percent-encodes an outside id for a key. It cannot throw: a lone surrogate (which no valid id
 * holds, but a key must never be why a request fails) is written as its WTF-8 bytes, which no
 * well-formed text encodes to, so two different ids still never share a key.
 */
function encode(id: string): string {
  let out = '';
  let from = 0;
  for (const match of id.matchAll(LONE_SURROGATE)) {
    out += encodeURIComponent(id.slice(from, match.index)) + wtf8(match[0].charCodeAt(0));
    from = match.index + 1;
  }
  out += encodeURIComponent(id.slice(from));
  return out.replace(/[*!'()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

function wtf8(unit: number): string {
  const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
  return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
}
