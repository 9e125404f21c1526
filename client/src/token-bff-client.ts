/*
 * token-bff's frontend client: one ES module, no dependencies, for browsers (cookie session)
 * and React Native or any fetch-only runtime (bearer session). Served by the service at
 * /client/token-bff-client.js; the source is client/src/token-bff-client.ts.
 *
 * The rule it exists for: once the signed-in user changes (signIn, signOut, a 401 from the
 * service, or another tab of this origin signing in or out), nothing of the previous user is
 * handed out again, not even by a request that was already in flight.
 */

export interface TokenBffOptions {
  /** The service's origin, e.g. https://bff.example.com ('' for the page's own origin). */
  baseUrl: string;
  /** 'bearer' for apps without a cookie jar (React Native); by default 'bearer' when a
   *  sessionToken is given, else 'cookie' (browsers). */
  mode?: 'cookie' | 'bearer';
  /** Bearer mode: the session token kept from an earlier signIn, if any. */
  sessionToken?: string;
  fetch?: typeof fetch;
  /** Bearer mode: called with each new session token (and undefined when it is gone), so an
   *  app can keep it in the Keychain / Keystore. */
  onSessionToken?: (token: string | undefined) => void;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** Cookie mode's LikeCoin connect; location.assign by default. */
  navigate?: (url: string) => void;
}

export interface SignedIn {
  user: { id: string };
  session_token: string;
  expires_at: string;
}

export interface Device {
  /** An opaque handle, never usable as a credential. */
  id: string;
  current: boolean;
  carrier: 'cookie' | 'bearer';
  created_at: string;
  last_seen_at: string;
  user_agent: string | null;
}

export interface LiveLikeToken {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds; null when the service mints tokens without `exp`. */
  expires_in: number | null;
  expires_at: string | null;
  custom_profile_id: string;
}

/** What LiveLike's SDK stores as its user profile; only access_token matters to us. */
export interface LiveLikeProfile {
  access_token: string;
  [field: string]: unknown;
}

export interface LiveLikeStorageStrategy {
  get(): LiveLikeProfile;
  set(profile: LiveLikeProfile | null | undefined): void;
}

/** A problem answer from token-bff (or a failure of its answer), as an Error to switch on. */
export class TokenBffError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail?: string,
    /** Seconds, from Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'TokenBffError';
  }
}

/** Reused until this long before expires_at (half the lifetime for tokens of 2 minutes or less). */
export const RENEW_BEFORE_MS = 60_000;
/** A background renewal that failed is not tried again sooner than this (or Retry-After). */
export const RENEW_RETRY_MS = 5_000;
/** What the SDK is given while nobody is signed in: LiveLike refuses it (401), and a non-empty
 *  value stops the SDK from falling back to the token it was initialised with. */
export const SIGNED_OUT_TOKEN = 'token-bff:signed-out';
const PROBLEM_TYPE_PREFIX = 'urn:token-bff:problem:';
const SESSION_GONE = new Set(['not_authenticated', 'invalid_session_token']);
const CHANNEL = 'token-bff-client';
// setTimeout's ceiling; a longer wait is re-armed by the check on every get().
const MAX_TIMER_MS = 2_147_483_647;

export function createTokenBff(options: TokenBffOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const base = options.baseUrl.replace(/\/+$/, '');
  const bearer =
    (options.mode ?? (options.sessionToken !== undefined ? 'bearer' : 'cookie')) === 'bearer';
  let sessionToken = options.sessionToken;

  // Everything user-bound is tagged with the generation it was fetched in; a change of user
  // moves the generation on, and answers tagged with an older one are never handed out.
  let generation = 0;
  let knownUser: string | undefined;
  // renewAt is reckoned from expires_in on this device's clock, so a clock that is off by
  // minutes neither renews on every call nor keeps an expired token.
  let cached: { token: LiveLikeToken; renewAt: number; generation: number } | undefined;
  let inflight: { promise: Promise<LiveLikeToken>; generation: number } | undefined;
  let issued = new Set<string>();
  let stored: LiveLikeProfile | undefined;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let strategyInUse = false;
  let retryNotBefore = 0;
  // Set by signOut (and ending this device) until the next signIn, even when the service could
  // not be told: its cookie may still be alive, and it is still the previous user's.
  let signedOut = false;

  // Other tabs of this origin share the cookie: when one signs in or out, this one's user
  // changed too. React Native has no BroadcastChannel, and bearer sessions are per client.
  const channel =
    !bearer && typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      forgetUser();
      if (event.data === 'signed-out') signedOut = true;
      if (event.data === 'signed-in') signedOut = false;
    };
    // Node has BroadcastChannel too, where an open one would keep the process alive.
    (channel as { unref?: () => void }).unref?.();
  }

  function forgetUser(): void {
    generation += 1;
    knownUser = undefined;
    cached = undefined;
    inflight = undefined;
    issued = new Set();
    stored = undefined;
    if (renewTimer !== undefined) clearTimeout(renewTimer);
    renewTimer = undefined;
  }

  function userChanged(how: 'signed-in' | 'signed-out' | 'changed'): void {
    forgetUser();
    if (how === 'signed-in') signedOut = false;
    if (how === 'signed-out') signedOut = true;
    channel?.postMessage(how);
  }

  /** Everything user-bound is refused here, without asking the service, once signed out. */
  function refuseIfSignedOut(): void {
    if (signedOut) {
      throw new TokenBffError(
        401,
        'not_authenticated',
        'Signed out on this client: sign in again.',
      );
    }
  }

  function keepSessionToken(token: string | undefined): void {
    if (!bearer || token === sessionToken) return;
    sessionToken = token;
    options.onSessionToken?.(token);
  }

  function noteUser(id: string | undefined): void {
    if (knownUser !== undefined && id !== knownUser) forgetUser();
    knownUser = id;
  }

  /** One call to the service, with the session's credential and, in cookie mode, X-CSRF. */
  function send(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (bearer) {
      headers.delete('X-CSRF');
      if (sessionToken) headers.set('Authorization', `Bearer ${sessionToken}`);
      else headers.delete('Authorization');
    } else {
      // A custom header forces a CORS preflight: the service refuses cookie calls without it.
      headers.set('X-CSRF', '1');
    }
    return doFetch(`${base}${path}`, {
      ...init,
      method,
      headers,
      credentials: bearer ? 'omit' : 'include',
    });
  }

  /** Rejects with a TokenBffError for token-bff's own problem answers; a 401 ends the user. */
  async function refuseProblem(res: Response): Promise<void> {
    const type = res.headers.get('content-type') ?? '';
    if (!/^application\/problem\+json/i.test(type)) return;
    const body = (await res
      .clone()
      .json()
      .catch(() => undefined)) as { type?: unknown; code?: unknown; detail?: unknown } | undefined;
    if (typeof body?.type !== 'string' || !body.type.startsWith(PROBLEM_TYPE_PREFIX)) return;
    const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
    if (res.status === 401 && SESSION_GONE.has(code)) {
      userChanged('changed');
      if (code === 'invalid_session_token') keepSessionToken(undefined);
    }
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    throw new TokenBffError(
      res.status,
      code,
      typeof body.detail === 'string' ? body.detail : undefined,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit =
      body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
    const res = await send(method, path, init);
    await refuseProblem(res);
    if (!res.ok) throw new TokenBffError(res.status, `http_${res.status}`);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  // ---- the session -------------------------------------------------------------------------

  async function signIn(idToken: string): Promise<SignedIn> {
    const answer = await json<SignedIn>('POST', '/session', { id_token: idToken });
    userChanged('signed-in');
    knownUser = answer.user.id;
    keepSessionToken(answer.session_token);
    return answer;
  }

  async function signOut(): Promise<void> {
    try {
      await json<void>('DELETE', '/session');
    } finally {
      // Forgotten here whatever the service said: a page that asked to sign out is signed out.
      userChanged('signed-out');
      keepSessionToken(undefined);
    }
  }

  async function session(): Promise<Record<string, unknown>> {
    const view = await json<{ user?: { id?: string } | null } & Record<string, unknown>>(
      'GET',
      '/session',
    );
    noteUser(view.user?.id);
    return view;
  }

  // ---- devices (the user's sessions) -------------------------------------------------------

  let currentDevice: string | undefined;

  async function listDevices(
    cursor?: string,
  ): Promise<{ sessions: Device[]; next_cursor: string | null }> {
    refuseIfSignedOut();
    const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const page = await json<{ sessions: Device[]; next_cursor: string | null }>(
      'GET',
      `/sessions${query}`,
    );
    currentDevice = page.sessions.find((d) => d.current)?.id ?? currentDevice;
    return page;
  }

  async function endDevice(id: string): Promise<void> {
    refuseIfSignedOut();
    await json<void>('DELETE', `/sessions/${encodeURIComponent(id)}`);
    if (id === currentDevice) {
      userChanged('signed-out');
      keepSessionToken(undefined);
    }
  }

  async function endAllDevices(): Promise<void> {
    refuseIfSignedOut();
    await json<void>('DELETE', '/sessions');
    userChanged('signed-out');
    keepSessionToken(undefined);
  }

  // ---- LiveLike profile tokens ---------------------------------------------------------------

  const current = () => (cached && cached.generation === generation ? cached : undefined);
  const fresh = (entry: { renewAt: number }) => now() < entry.renewAt;

  function token(): Promise<LiveLikeToken> {
    try {
      refuseIfSignedOut();
    } catch (err) {
      return Promise.reject(err);
    }
    const entry = current();
    if (entry && fresh(entry)) return Promise.resolve(entry.token);
    if (inflight && inflight.generation === generation) return inflight.promise;
    const mine = generation;
    const promise = json<LiveLikeToken>('POST', '/livelike/token').then(
      (answer) => {
        // The user changed while this was on its way: it is the previous user's token.
        if (mine !== generation) return token();
        if (inflight?.promise === promise) inflight = undefined;
        noteUser(answer.custom_profile_id);
        const renewAt =
          answer.expires_in === null
            ? Infinity
            : now() + answer.expires_in * 1000 - Math.min(RENEW_BEFORE_MS, answer.expires_in * 500);
        cached = { token: answer, renewAt, generation };
        issued.add(answer.access_token);
        scheduleRenewal();
        return answer;
      },
      (err: unknown) => {
        if (inflight?.promise === promise) inflight = undefined;
        throw err;
      },
    );
    inflight = { promise, generation: mine };
    return promise;
  }

  function renew(): Promise<LiveLikeToken> {
    // Kept for get() until the new one is here: the SDK's other calls meanwhile still carry a
    // token of this user, not the signed-out placeholder.
    if (cached) cached = { ...cached, renewAt: -Infinity };
    if (inflight?.generation === generation) return inflight.promise;
    return token();
  }

  /** Renews in the background, from RENEW_BEFORE_MS before expiry, while the SDK uses us. */
  function scheduleRenewal(): void {
    const entry = current();
    if (!strategyInUse || !entry || entry.renewAt === Infinity) return;
    if (renewTimer !== undefined) clearTimeout(renewTimer);
    const due = entry.renewAt - now();
    renewTimer = setTimeout(renewInBackground, Math.min(Math.max(due, 0), MAX_TIMER_MS));
    // Never what keeps a Node or React Native process alive.
    (renewTimer as { unref?: () => void }).unref?.();
  }

  function renewInBackground(): void {
    renewTimer = undefined;
    // A failure shows up on the SDK's next call (a 401 from LiveLike); the page decides then.
    // Until a pause has passed, get() does not ask again: a service that refuses (429, 503)
    // is not asked on every SDK call.
    token().catch((err: unknown) => {
      const wait = err instanceof TokenBffError && err.retryAfter ? err.retryAfter * 1000 : 0;
      retryNotBefore = now() + Math.max(RENEW_RETRY_MS, wait);
    });
  }

  function storageStrategy(): LiveLikeStorageStrategy {
    strategyInUse = true;
    scheduleRenewal();
    return {
      get() {
        const entry = current();
        if (!entry) return { access_token: SIGNED_OUT_TOKEN };
        if (!fresh(entry) && !inflight && now() >= retryNotBefore) renewInBackground();
        return { ...stored, access_token: entry.token.access_token };
      },
      set(profile) {
        // The SDK stores what LiveLike answered; only this user's answers are kept, and the
        // token in them never replaces ours.
        if (profile && typeof profile.access_token === 'string' && issued.has(profile.access_token))
          stored = { ...profile };
      },
    };
  }

  // ---- the proxies and LikeCoin -------------------------------------------------------------

  /** A proxied call: the upstream's answer as it came, token-bff's own refusals as errors. */
  async function proxied(prefix: string, path: string, init: RequestInit = {}): Promise<Response> {
    refuseIfSignedOut();
    const res = await send(init.method ?? 'GET', `${prefix}${path.replace(/^\/+/, '')}`, {
      redirect: 'manual',
      ...init,
    });
    await refuseProblem(res);
    return res;
  }

  function authorizeUrl(returnTo: string, scope?: string): string {
    const query = new URLSearchParams({ return_to: returnTo });
    if (scope !== undefined) query.set('scope', scope);
    return `${base}/likecoin/authorize?${query.toString()}`;
  }

  async function connect(
    returnTo: string,
    scope?: string,
  ): Promise<{ authorization_url: string } | undefined> {
    if (bearer) {
      const body = scope === undefined ? { return_to: returnTo } : { return_to: returnTo, scope };
      return json<{ authorization_url: string }>('POST', '/likecoin/authorize', body);
    }
    // A navigation: the session cookie rides along and the service answers with a redirect.
    const navigate = options.navigate ?? ((url: string) => browserLocation().assign(url));
    navigate(authorizeUrl(returnTo, scope));
    return undefined;
  }

  /** Unlinks this session from its LikeCoin grant; everywhere: forgets the grant for every
   *  session of that Liker. */
  async function disconnect(options: { everywhere?: boolean } = {}): Promise<void> {
    await json<void>(
      'DELETE',
      options.everywhere ? '/likecoin/connection?everywhere=true' : '/likecoin/connection',
    );
  }

  async function complete(result: string): Promise<Record<string, unknown>> {
    const answer = await json<{ session_token?: string } & Record<string, unknown>>(
      'POST',
      '/likecoin/complete',
      { result },
    );
    // A LikeCoin sign-in is a login: the session has a new id and this is its token.
    const { session_token: rotated, ...view } = answer;
    if (typeof rotated === 'string') keepSessionToken(rotated);
    signedOut = false;
    const user = view.user as { id?: string } | null | undefined;
    noteUser(user?.id);
    return view;
  }

  return {
    mode: bearer ? ('bearer' as const) : ('cookie' as const),
    signIn,
    signOut,
    session,
    sessionToken: () => sessionToken,
    devices: {
      list: listDevices,
      end: endDevice,
      endOthers: async () => {
        refuseIfSignedOut();
        await json<void>('DELETE', '/sessions?keep=current');
      },
      endAll: endAllDevices,
    },
    liveLike: { token, renew, storageStrategy },
    likecoin: {
      fetch: (path: string, init?: RequestInit) => proxied('/likecoin/api/', path, init),
      connect,
      complete,
      disconnect,
    },
    livelike: {
      fetch: (path: string, init?: RequestInit) => proxied('/livelike/api/', path, init),
    },
  };
}

export type TokenBff = ReturnType<typeof createTokenBff>;

// Typed here rather than from the DOM library, so the module type-checks in any runtime's setup.
function browserLocation(): { assign(url: string): void } {
  return (globalThis as unknown as { location: { assign(url: string): void } }).location;
}
