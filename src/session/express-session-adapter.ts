import { RedisStore } from 'connect-redis';
import type { Request, RequestHandler } from 'express';
import session, { type SessionData } from 'express-session';
import onHeaders from 'on-headers';
import type { SessionConfig } from '../config';
import { keys } from '../store/keys';
import { StoreUnavailableError, type Kv } from '../store/kv';
import { insecureCookieWarning } from './insecure-cookie-warning';
import { readCredential, unverifiedSessionId } from './read-credential';

/*
 * Where token-bff bends express-session 1.19 and connect-redis 8.1 (both pinned exactly in
 * package.json; what each bend is for is pinned by test/session/session.test.ts, so an upgrade
 * that breaks one fails there):
 *
 * 1. Kv as connect-redis's client. connect-redis duck-types its client (it calls `get`, and
 *    `set`/`del`/`expire`, which we override or disable); our Kv speaks `get`, so sessions go
 *    through the same store, prefix and fail-fast rules as everything else, on Redis or memory.
 * 2. Tombstones. A destroyed session's key keeps a tombstone value for one idle lifetime; a save
 *    over a tombstone is refused and the serializer reads it as "no session". So a request that
 *    loaded the session before a logout cannot write it back when it finishes, and one key per
 *    session keeps every session operation within one Redis Cluster slot.
 * 3. Bearer tokens as cookies. express-session reads only cookies: a request with
 *    `Authorization: Bearer <signed id>` gets that id handed over as its cookie (express-session
 *    then checks the signature as for any cookie), its own cookies dropped, and no Set-Cookie
 *    back unless the session id changed (a login).
 * 4. Error answers commit nothing. express-session saves a modified session and sets its cookie
 *    when the answer goes out; an error answer sets `req.session = null` first (the app hands
 *    discardSessionChanges to the error handler), which makes it skip both (so no cookie is
 *    sent for a session that could not be stored).
 * 5. No `touch`. The session layer extends the idle lifetime itself, a few times per lifetime
 *    (`disableTouch`). A store that has no `touch` at all also spares express-session, on every
 *    unchanged request, one more hash of the session and the call to a touch that does nothing.
 */

const TOMBSTONE = '"ended"';
type Callback = (err?: unknown, data?: unknown) => void;

/** connect-redis over our Kv, with tombstones (bends 1 and 2). */
export class SessionStore extends RedisStore {
  private readonly ttlMs: number;

  constructor(
    private readonly kv: Kv,
    ttlSeconds: number,
  ) {
    super({
      client: kv,
      prefix: keys.sessionPrefix,
      ttl: ttlSeconds,
      // The idle lifetime is extended a few times per lifetime by the session layer, not per hit.
      disableTouch: true,
      serializer: {
        stringify: JSON.stringify,
        // connect-redis passes a null result on as "no session"; its typing does not say so.
        parse: (raw: string) => (raw === TOMBSTONE ? null : JSON.parse(raw)) as SessionData,
      },
    });
    // A resurrecting write would live at most one idle lifetime, so the tombstone outlives it.
    this.ttlMs = ttlSeconds * 1000;
    // Bend 5: express-session asks `typeof store.touch === 'function'`.
    Object.defineProperty(this, 'touch', { value: undefined });
  }

  override async set(sid: string, sess: SessionData, cb?: Callback): Promise<void> {
    await settle(cb, () =>
      this.kv.setUnlessValue(
        keys.session(sid),
        TOMBSTONE,
        JSON.stringify(sess),
        this.ttlMsOf(sess),
      ),
    );
  }

  override async destroy(sid: string, cb?: Callback): Promise<void> {
    await settle(cb, () => this.kv.set(keys.session(sid), TOMBSTONE, this.ttlMs));
  }

  /** Ends the session and answers whether it was live until now (false: ended or expired). */
  async endIfLive(sid: string): Promise<boolean> {
    const before = await this.kv.swap(keys.session(sid), TOMBSTONE, this.ttlMs);
    return before !== null && before !== TOMBSTONE;
  }

  private ttlMsOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    // The real clock on purpose, not the service's: express-session stamps `expires` with
    // Date.now, and the store counts the TTL down in real time.
    return expires ? Math.max(1, new Date(expires).getTime() - Date.now()) : this.ttlMs;
  }
}

async function settle(cb: Callback | undefined, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!cb) throw err;
    return cb(err);
  }
  cb?.();
}

/**
 * Runs as the session is about to be read, with the id the credential names (not yet verified):
 * a route may start a read of its own that then travels to the store with the session's. It
 * must not trust the id: whatever it reads is used only if the loaded session has that id.
 */
export type SessionReadHook = (req: Request, unverifiedSessionId: string) => void;

/**
 * express-session, preceded by the bearer hand-over (bend 3). Every answer behind a session is
 * about one user, so it is marked `no-store` here, once for all of them.
 */
export function sessionMiddleware(
  config: SessionConfig,
  store: SessionStore,
  beforeRead: readonly SessionReadHook[] = [],
): RequestHandler[] {
  const { cookieName, secrets, ttlSeconds } = config;
  const expressSession = session({
    name: cookieName,
    secret: [...secrets],
    store,
    resave: false,
    saveUninitialized: false,
    // Rolling is done by the session layer, a few times per lifetime instead of per hit.
    rolling: false,
    // No `proxy` option: express-session then asks req.secure, which follows Express's
    // `trust proxy` (TRUST_PROXY) exactly, instead of believing X-Forwarded-Proto from anyone.
    cookie: { ...sessionCookieOptions(config), maxAge: ttlSeconds * 1000 },
  });

  // Before express-session, whose Secure cookie on an insecure request is dropped without a word.
  const warnIfCookieDropped = insecureCookieWarning(config);

  const carryCredential: RequestHandler = (req, res, next) => {
    const credential = readCredential(req.headers, cookieName);
    req.credential = credential;
    res.setHeader('Cache-Control', 'no-store');
    const sid = credential.carrier === 'none' ? '' : unverifiedSessionId(credential.signedId);
    warnIfCookieDropped(req, res, sid);
    if (credential.carrier === 'none') return next();
    if (credential.carrier === 'bearer') {
      req.headers.cookie = `${cookieName}=${encodeURIComponent(`s:${credential.signedId}`)}`;
      onHeaders(res, () => {
        if (req.sessionID === sid) res.removeHeader('Set-Cookie');
      });
    }
    if (sid !== '') for (const hook of beforeRead) hook(req, sid);
    next();
  };

  const loadSession: RequestHandler = (req, res, next) => {
    expressSession(req, res, (err?: unknown) => {
      if (err === undefined) next();
      else next(err instanceof StoreUnavailableError ? err : new StoreUnavailableError(err));
    });
  };
  return [carryCredential, loadSession];
}

/** The session cookie's attributes: where it is set, and where it is cleared again. */
export function sessionCookieOptions(config: SessionConfig) {
  return { path: '/', httpOnly: true, secure: config.secureCookie, sameSite: 'lax' as const };
}

/** Bend 4: the answer is an error, so whatever the request did to its session is dropped. */
export function discardSessionChanges(req: Request): void {
  if (req.session) (req as unknown as { session: null }).session = null;
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err) : resolve())),
  );
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.save((err) => (err ? reject(err) : resolve())),
  );
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.destroy((err) => (err ? reject(err) : resolve())),
  );
}
