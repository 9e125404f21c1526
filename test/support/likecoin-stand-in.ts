import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errors, jwtVerify, SignJWT } from 'jose';
import {
  AUTHORIZE_FAILURE_TEXT,
  behaviourOf,
  expandScopes,
  LIKECOIN_ERRORS,
  LIKECOIN_MODES,
  rfcCodeOf,
  tokenParamsOf,
  type AnswerContext,
  type CannedAnswer,
  type LikeCoinBehaviour,
  type LikeCoinMode,
  type RefusalShape,
  type TokenAnswerBody,
} from './likecoin-behaviour';

// Tests import the stand-in's vocabulary from here, next to the stand-in itself.
export {
  AUTHORIZE_FAILURE_TEXT,
  behaviourOf,
  expandScopes,
  LIKECOIN_ERRORS,
  LIKECOIN_MODES,
  type AnswerContext,
  type CannedAnswer,
  type LikeCoinBehaviour,
  type LikeCoinMode,
  type RefusalShape,
  type TokenAnswerBody,
};

export interface LikeCoinUser {
  user: string;
  displayName: string;
  avatar: string;
  /** Returned by /users/profile only to tokens with the `email` scope. */
  email?: string;
}

export interface RecordedRequest {
  method: string;
  /** As received: path with query, not normalised (so traversal attempts stay visible). */
  path: string;
  headers: IncomingHttpHeaders;
  /** Raw body text, its first 64 KiB only (big uploads would otherwise sit in memory). */
  body: string;
  /** Full body length in bytes. */
  bodyBytes: number;
}

export interface LikeCoinStandInOptions {
  clientId: string;
  clientSecret: string;
  /** The whitelisted redirect URIs; matched exactly. */
  redirectUris: string[];
  /** Which LikeCoin to play (default 'documented'). */
  mode?: LikeCoinMode;
}

export interface LikeCoinStandIn {
  mode: LikeCoinMode;
  /** http://127.0.0.1:port */
  url: string;
  /** `${url}/in/oauth` */
  authorizeUrl: string;
  /** `${url}/oauth/access_token` */
  tokenUrl: string;
  /** `${url}/api`, so the profile is `${apiUrl}/users/profile` */
  apiUrl: string;
  /** Every request received, in order, recorded once its body has been read. */
  requests: RecordedRequest[];
  /** Count of requests to one path (without query), e.g. count('/oauth/access_token'). */
  count(path: string): number;
  /** Emits 'request' (with the record) for every request, so tests await instead of sleeping. */
  events: EventEmitter;
  /** Resolves with the next request to `path` (without query), or to any path. */
  nextRequest(path?: string): Promise<RecordedRequest>;
  /** Behaviour switches, read when each request arrives. */
  behaviour: LikeCoinBehaviour;
  /** Who the authorize page "signs in" as: set before a flow. */
  nextUser: LikeCoinUser;
  /** The stand-in's clock, UTC seconds: token iat/exp and code expiry use it. */
  now(): number;
  setClock(fn: () => number): void;
  /**
   * Mints a code as if `user` (default: nextUser) had approved `scopes` on the consent page
   * (expanded as the page would), skipping the authorize hop.
   */
  issueCode(opts: { redirectUri: string; scopes: string[]; user?: string }): string;
  /**
   * An access token signed like the stand-in's own (the API accepts it while it names a user);
   * `user` undefined leaves the claim out, `exp`/`iat` false leave those out.
   */
  mintAccessToken(
    user: string | undefined,
    scopes: string[],
    claims?: { exp?: boolean; iat?: boolean },
  ): Promise<string>;
  /** Kills the user's refresh token (the user revoked access). */
  revokeRefreshTokens(user: string): void;
  /** The user's one valid refresh token, if any (issuing a new one kills the old). */
  liveRefreshToken(user: string): string | undefined;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

const ISSUER = 'like.co';
const ACCESS_TOKEN_TTL_SECONDS = 3600;
const CODE_TTL_SECONDS = 600;
const RECORDED_BODY_LIMIT = 64 * 1024;

interface CodeGrant {
  user: string;
  scopes: string[];
  redirectUri: string;
  issuedAt: number;
}

interface RefreshGrant {
  user: string;
  scopes: string[];
}

interface AccessClaims {
  user: string;
  scopes: string[];
  jti: string | undefined;
}

/** Opaque random tokens shaped like LikeCoin's (43 chars of base64url). */
const opaqueToken = (): string => randomBytes(32).toString('base64url');

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** A dead code or refresh token refused: `code` as text, as RFC 6749 JSON, or inside a page. */
function sendRefusal(res: ServerResponse, shape: RefusalShape, code: string): void {
  if (shape.body === 'json') return sendJson(res, shape.status, { error: rfcCodeOf(code) });
  if (shape.body === 'text') return sendText(res, shape.status, code);
  res.writeHead(shape.status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><body><h1>Error</h1><p>${code}</p></body></html>`);
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The consent page: every authorize parameter goes back in the form, next to the decision. */
function sendAuthorizePage(res: ServerResponse, params: URLSearchParams, user: LikeCoinUser): void {
  const hidden = [...params]
    .filter(([name]) => name !== 'decision')
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('');
  const scopes = escapeHtml(params.get('scope') ?? '');
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    // No form-action: the answer to the form redirects to the service, which 'self' would block.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Cache-Control': 'no-store',
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LikeCoin (stand-in): authorize</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
button{font:inherit;padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body><h1>LikeCoin stand-in</h1>
<p>Signed in as <strong>${escapeHtml(user.user)}</strong> (${escapeHtml(user.displayName)}).</p>
<p>The application <code>${escapeHtml(params.get('client_id') ?? '')}</code> asks for: <code>${scopes}</code></p>
<form method="post" action="/in/oauth">${hidden}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`);
}

function splitTarget(target: string): { pathname: string; query: string } {
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, query: '' }
    : { pathname: target.slice(0, q), query: target.slice(q + 1) };
}

async function readBody(req: IncomingMessage): Promise<{ text: string; bytes: number }> {
  const kept: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (bytes < RECORDED_BODY_LIMIT) kept.push(chunk);
      bytes += chunk.length;
    }
  } catch {
    // The caller hung up mid-body: record what arrived; nobody is left to answer.
  }
  const text = Buffer.concat(kept).subarray(0, RECORDED_BODY_LIMIT).toString('utf8');
  return { text, bytes };
}

function* filler(bytes: number): Generator<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let left = bytes; left > 0; left -= chunk.length) {
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
}

/**
 * A stand-in for LikeCoin (the like.co authorize page, the api.like.co token endpoint and a few
 * API routes) on a loopback port, behaving as CONTRACT.md's "The real providers, as observed"
 * describes (as documented, or as LikeCoin's public code suggests: `mode`), with switches for
 * failing, hanging and slow answers and for each shape of answer and refusal.
 */
export async function startLikeCoinStandIn(opts: LikeCoinStandInOptions): Promise<LikeCoinStandIn> {
  // Only the stand-in knows it, like LikeCoin's own signing secret: the service can't verify.
  const jwtKey = randomBytes(32);
  const events = new EventEmitter();
  const requests: RecordedRequest[] = [];
  const codes = new Map<string, CodeGrant>();
  const refreshGrants = new Map<string, RefreshGrant>();
  // One live refresh token per user+client; the stand-in serves one client, so per user.
  const liveRefresh = new Map<string, string>();
  const profiles = new Map<string, LikeCoinUser>();
  const timers = new Set<NodeJS.Timeout>();
  let clock = (): number => Math.floor(Date.now() / 1000);

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** The user signing in: nextUser unless another (already known) one is named. */
  function signIn(user?: string): LikeCoinUser {
    const next = standIn.nextUser;
    const profile =
      user === undefined || user === next.user
        ? { ...next }
        : (profiles.get(user) ?? {
            user,
            displayName: user,
            avatar: `https://static.like.co/avatar/${user}.png`,
          });
    profiles.set(profile.user, profile);
    return profile;
  }

  function mintCode(redirectUri: string, asked: string[], user?: string): string {
    const code = opaqueToken();
    const scopes = standIn.behaviour.expandScopes ? expandScopes(asked) : asked;
    codes.set(code, { user: signIn(user).user, scopes, redirectUri, issuedAt: clock() });
    return code;
  }

  async function mintAccessToken(
    user: string | undefined,
    scopes: string[],
    claims: { exp?: boolean; iat?: boolean } = {},
  ): Promise<string> {
    const iat = clock();
    const payload = { ...(user === undefined ? {} : { user }), scope: scopes, azp: opts.clientId };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setJti(randomUUID());
    if (claims.iat !== false) jwt.setIssuedAt(iat);
    if (claims.exp !== false) jwt.setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS);
    return jwt.sign(jwtKey);
  }

  /**
   * The token endpoint's success body: exactly the five fields LikeCoin sends. A new refresh
   * token kills the user's previous one, unless `keep` (a refresh that does not rotate) lives on.
   */
  async function issueTokens(user: string, scopes: string[], keep?: string) {
    let refreshToken = keep;
    if (refreshToken === undefined) {
      const old = liveRefresh.get(user);
      if (old !== undefined) refreshGrants.delete(old);
      refreshToken = opaqueToken();
      refreshGrants.set(refreshToken, { user, scopes });
      liveRefresh.set(user, refreshToken);
    }
    const profile = profiles.get(user) ?? signIn(user);
    return {
      user,
      displayName: profile.displayName,
      avatar: profile.avatar,
      access_token: await mintAccessToken(user, scopes),
      refresh_token: refreshToken,
    };
  }

  /** A success answer, as the test's shapeAnswer (if any) rewrites it. */
  async function sendAnswer(
    res: ServerResponse,
    answer: TokenAnswerBody,
    context: AnswerContext,
  ): Promise<void> {
    const shape = standIn.behaviour.shapeAnswer;
    const shaped: unknown = shape === undefined ? answer : await shape(answer, context);
    if (typeof shaped !== 'string') return sendJson(res, 200, shaped);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(shaped);
  }

  /**
   * The authorize page. A GET answers at once unless the behaviour is 'page'; the page's two
   * buttons post the same parameters back here with a decision, like LikeCoin's own page does.
   */
  function authorize(req: IncomingMessage, res: ServerResponse, query: string, body: string): void {
    const posted = req.method === 'POST';
    if (req.method !== 'GET' && !posted) return sendText(res, 404, 'NOT_FOUND');
    const params = new URLSearchParams(posted ? body : query);
    const redirectUri = params.get('redirect_uri');
    // The real page shows an error instead of redirecting anywhere it was not told to.
    if (params.get('client_id') !== opts.clientId) return sendText(res, 400, 'INVALID_CLIENT');
    if (redirectUri === null || !opts.redirectUris.includes(redirectUri)) {
      return sendText(res, 400, 'INVALID_REDIRECT_URI');
    }
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return sendText(res, 400, 'INVALID_SCOPE');
    if (!posted && standIn.behaviour.authorize === 'page') {
      return sendAuthorizePage(res, params, standIn.nextUser);
    }
    if (!posted && standIn.behaviour.authorize === 'fail') {
      // LikeCoin's page drops the state on this path: the caller cannot tell whose flow it was.
      const failed = new URL(redirectUri);
      failed.searchParams.set('error', AUTHORIZE_FAILURE_TEXT);
      res.writeHead(302, { Location: failed.href }).end();
      return;
    }
    const deny = posted
      ? params.get('decision') !== 'allow'
      : standIn.behaviour.authorize === 'deny';
    // code_challenge stays in the recorded path only: LikeCoin ignores PKCE.
    const target = new URL(redirectUri);
    if (deny) target.searchParams.set('error', 'denied');
    else target.searchParams.set('code', mintCode(redirectUri, scopes));
    const state = params.get('state');
    if (state !== null) target.searchParams.set('state', state);
    // 303 after the page's POST, so the browser comes back with a GET.
    res.writeHead(posted ? 303 : 302, { Location: target.href }).end();
  }

  async function token(
    req: IncomingMessage,
    res: ServerResponse,
    query: string,
    body: string,
  ): Promise<void> {
    if (req.method !== 'POST') return sendText(res, 404, 'NOT_FOUND');
    // Read the switches on arrival, so a test may flip them while this request waits.
    const { token: mode, tokenDelayMs } = standIn.behaviour;
    if (tokenDelayMs > 0) await pause(tokenDelayMs);
    switch (mode) {
      case 'hang':
        return; // close() destroys the socket
      case 'reset':
        req.socket.destroy();
        return;
      case 'server_error':
        return sendText(res, 500, 'Internal Server Error');
      case 'invalid_client':
        return sendText(res, 400, LIKECOIN_ERRORS.invalidClientCred);
      case 'canned': {
        const { status, contentType, body: text } = standIn.behaviour.canned;
        res.writeHead(status, { 'Content-Type': contentType }).end(text);
        return;
      }
    }

    // The documented LikeCoin's body parser reads only forms; anything else leaves the fields
    // missing. The observed one also reads JSON bodies and the query string.
    const { tokenParams, refusal } = standIn.behaviour;
    const form = tokenParamsOf(req.headers['content-type'] ?? '', query, body, tokenParams);
    const clientId = form?.get('client_id');
    const clientSecret = form?.get('client_secret');
    if (!form || !clientId || !clientSecret) {
      return sendText(res, 400, LIKECOIN_ERRORS.missingClientInfo);
    }
    if (clientId !== opts.clientId || clientSecret !== opts.clientSecret) {
      return sendText(res, 400, LIKECOIN_ERRORS.invalidClientCred);
    }

    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const grant = codes.get(code);
      // A presented code is spent, whatever else is wrong with the request.
      codes.delete(code);
      if (
        grant === undefined ||
        clock() >= grant.issuedAt + CODE_TTL_SECONDS ||
        form.get('redirect_uri') !== grant.redirectUri
      ) {
        return sendRefusal(res, refusal, LIKECOIN_ERRORS.invalidGrant);
      }
      const { user, scopes } = grant;
      return sendAnswer(res, await issueTokens(user, scopes), { grantType, user, scopes });
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = refreshGrants.get(presented);
      if (grant === undefined) {
        return sendRefusal(res, refusal, LIKECOIN_ERRORS.invalidRefreshToken);
      }
      const { user, scopes } = grant;
      const { rotateRefreshTokens, refreshAnswer } = standIn.behaviour;
      // Rotating kills the presented token: LikeCoin keeps one per user+client.
      const issued = await issueTokens(user, scopes, rotateRefreshTokens ? undefined : presented);
      const answer = refreshAnswer === 'full' ? issued : { access_token: issued.access_token };
      return sendAnswer(res, answer, { grantType, user, scopes });
    }
    sendText(res, 400, LIKECOIN_ERRORS.invalidGrantType);
  }

  /**
   * An API refusal: the code as the body. Express's res.send(string), which LikeCoin's API uses,
   * labels it text/html; the documented stand-in has always said text/plain.
   */
  function apiError(res: ServerResponse, status: number, code: string): void {
    const type = standIn.behaviour.apiErrorType;
    res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8` }).end(code);
  }

  /** Checks the Bearer token the way LikeCoin's jwtAuth does; answers the refusal itself. */
  async function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<AccessClaims | undefined> {
    const bearer = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer === undefined) {
      apiError(res, 401, LIKECOIN_ERRORS.loginNeeded);
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(bearer, jwtKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: ISSUER,
        currentDate: new Date(clock() * 1000), // jose: expired when exp <= now
      });
      const { user, scope, azp, jti } = payload;
      if (typeof user !== 'string' || azp !== opts.clientId) throw new Error('bad claims');
      const scopes = Array.isArray(scope) ? scope.filter((s) => typeof s === 'string') : [];
      return { user, scopes, jti };
    } catch (err) {
      const expired = err instanceof errors.JWTExpired;
      apiError(res, 401, expired ? LIKECOIN_ERRORS.tokenExpired : LIKECOIN_ERRORS.loginNeeded);
      return undefined;
    }
  }

  async function api(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    query: string,
    bodyBytes: number,
  ): Promise<void> {
    const mode = standIn.behaviour.api;
    if (mode === 'hang') return;
    if (mode === 'server_error') return sendText(res, 500, 'Internal Server Error');

    const route = pathname.slice('/api'.length);
    const method = req.method ?? 'GET';
    // Routes a proxy must not pass on blindly: need no token, so they test the proxy alone.
    if (route === '/redirect') {
      res.writeHead(302, { Location: 'http://evil.example/x' }).end();
      return;
    }
    if (route === '/set-cookie') {
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Set-Cookie': 'likecoin_upstream=planted; Path=/; HttpOnly',
      });
      res.end('ok');
      return;
    }

    // Refuses every token, fresh or not (a revoked app, a provider bug): what refresh loops meet.
    if (route === '/rejects-token') return apiError(res, 401, LIKECOIN_ERRORS.tokenExpired);

    const isProfile = route === '/users/profile' && method === 'GET';
    const isEcho = route === '/echo' || route.startsWith('/echo/');
    const isBig = route === '/big' && method === 'GET';
    // LikeCoin's docs: Like->info needs read:like.info, or read:like, which covers every like scope.
    const isLikeInfo = route === '/like/info' && method === 'GET';
    if (!isProfile && !isEcho && !isBig && !isLikeInfo) return sendText(res, 404, 'NOT_FOUND');

    const claims = await authenticate(req, res);
    if (claims === undefined) return;

    if (isProfile) {
      if (!claims.scopes.includes('profile')) {
        return apiError(res, 403, LIKECOIN_ERRORS.insufficientPermission);
      }
      const { user, displayName, avatar, email } = profiles.get(claims.user) ?? signIn(claims.user);
      const withEmail = claims.scopes.includes('email') && email !== undefined;
      return sendJson(res, 200, { user, displayName, avatar, ...(withEmail ? { email } : {}) });
    }
    if (isLikeInfo) {
      if (!claims.scopes.some((s) => s === 'read:like' || s === 'read:like.info')) {
        return apiError(res, 403, LIKECOIN_ERRORS.insufficientPermission);
      }
      return sendJson(res, 200, { user: claims.user, likedAuthors: [] });
    }
    if (isEcho) {
      // What the proxy forwarded, as received: raw path and query, every header.
      return sendJson(res, 200, {
        method,
        path: pathname,
        query,
        headers: req.headers,
        bodyLength: bodyBytes,
        user: claims.user,
      });
    }
    const bytes = Number(new URLSearchParams(query).get('bytes') ?? '0');
    if (!Number.isSafeInteger(bytes) || bytes < 0) return sendText(res, 400, 'INVALID_BYTES');
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes),
    });
    // Streamed with backpressure, so the stand-in's own memory stays flat during memory tests.
    await pipeline(Readable.from(filler(bytes)), res).catch(() => undefined);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const body = await readBody(req);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: target,
      headers: req.headers,
      body: body.text,
      bodyBytes: body.bytes,
    };
    requests.push(record);
    events.emit('request', record);

    const { pathname, query } = splitTarget(target);
    if (pathname === '/in/oauth' || pathname === '/in/oauth/') {
      return authorize(req, res, query, body.text);
    }
    if (pathname === '/oauth/access_token') return token(req, res, query, body.text);
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      return api(req, res, pathname, query, body.bytes);
    }
    sendText(res, 404, 'NOT_FOUND');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'Internal Server Error');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const mode = opts.mode ?? 'documented';
  const standIn: LikeCoinStandIn = {
    mode,
    url,
    authorizeUrl: `${url}/in/oauth`,
    tokenUrl: `${url}/oauth/access_token`,
    apiUrl: `${url}/api`,
    requests,
    count: (path) => requests.filter((r) => splitTarget(r.path).pathname === path).length,
    events,
    nextRequest: (path) =>
      new Promise((resolve) => {
        const listener = (record: RecordedRequest): void => {
          if (path !== undefined && splitTarget(record.path).pathname !== path) return;
          events.off('request', listener);
          resolve(record);
        };
        events.on('request', listener);
      }),
    behaviour: behaviourOf(mode),
    nextUser: {
      user: 'alice-liker',
      displayName: 'Alice',
      avatar: 'https://static.like.co/avatar/alice-liker.png',
      email: 'alice@example.com',
    },
    now: () => clock(),
    setClock(fn) {
      clock = fn;
    },
    issueCode: ({ redirectUri, scopes, user }) => mintCode(redirectUri, scopes, user),
    mintAccessToken,
    revokeRefreshTokens(user) {
      const live = liveRefresh.get(user);
      if (live !== undefined) refreshGrants.delete(live);
      liveRefresh.delete(user);
    },
    liveRefreshToken: (user) => liveRefresh.get(user),
    async close() {
      timers.forEach(clearTimeout);
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging and keep-alive sockets would otherwise hold close() (and jest) open.
      server.closeAllConnections();
      await stopped;
    },
  };
  return standIn;
}
