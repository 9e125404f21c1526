import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, jwtVerify } from 'jose';

export interface LiveLikeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** What the stand-in answered; unset while the call is in flight (or hangs). */
  status?: number;
}

export interface LiveLikeProfile {
  id: string;
  url: string;
  custom_profile_id: string;
  nickname: string;
  custom_data: string | null;
}

export interface LiveLikeStandInOptions {
  /** The stand-in's clock (ms), by which a token's `exp` is judged; default Date.now. */
  now?: () => number;
}

export interface LiveLikeStandIn {
  /** The REST base, like https://cf-blast.livelikecdn.com/api/v1 */
  apiUrl: string;
  requests: LiveLikeRequest[];
  /** What LiveLike holds, by custom_profile_id: what a user's calls changed, and whose. */
  profiles: ReadonlyMap<string, LiveLikeProfile>;
  /** 'request' for each call; 'closed' when a caller's connection to /hang goes away. */
  events: EventEmitter;
  close(): Promise<void>;
}

// The `detail` texts LiveLike's REST API (Django REST framework) answers with.
const NO_CREDENTIALS = 'Authentication credentials were not provided.';
const INVALID_TOKEN = 'Invalid token.';
const EXPIRED_TOKEN = 'Token expired.';

/**
 * LiveLike's REST API as far as the proxy, `token-bff doctor` and LiveLike's own JavaScript SDK
 * need it: the application resource (no credentials, as the SDK reads it first); Bearer profile
 * tokens (HS256 with the client secret, `exp` judged by the stand-in's clock), whose first use
 * creates the profile for its custom_profile_id; the profile's GET and PATCH; `{ "detail" }`
 * errors; and CORS for any origin, since the SDK calls it straight from a page.
 */
export async function startLiveLikeStandIn(
  clientId: string,
  clientSecret: string,
  options: LiveLikeStandInOptions = {},
): Promise<LiveLikeStandIn> {
  const now = options.now ?? Date.now;
  const key = new TextEncoder().encode(clientSecret);
  const profiles = new Map<string, LiveLikeProfile>();
  const requests: LiveLikeRequest[] = [];
  const events = new EventEmitter();

  let apiUrl = '';

  // Shaped like LiveLike's: absolute URLs the SDK follows, built from this stand-in's origin.
  const application = () => {
    const url = `${apiUrl}/applications/${clientId}/`;
    return {
      url,
      client_id: clientId,
      name: 'LiveLike stand-in',
      profile_url: `${url}profile/`,
      sessions_url: `${url}sessions/`,
      programs_url: `${apiUrl}/programs/?client_id=${clientId}`,
    };
  };

  /** The profile id a request's Bearer token names, or the `detail` of the 401 it gets. */
  const authenticate = async (
    req: IncomingMessage,
  ): Promise<{ profileId: string } | { refused: string }> => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return { refused: NO_CREDENTIALS };
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: clientId,
        currentDate: new Date(now()),
      });
      const profileId = payload.custom_profile_id;
      return typeof profileId === 'string' ? { profileId } : { refused: INVALID_TOKEN };
    } catch (err) {
      return { refused: err instanceof errors.JWTExpired ? EXPIRED_TOKEN : INVALID_TOKEN };
    }
  };

  const profileOf = (profileId: string): LiveLikeProfile => {
    const known = profiles.get(profileId);
    if (known) return known;
    const id = `p-${profiles.size + 1}`;
    const created: LiveLikeProfile = {
      id,
      url: `${apiUrl}/profiles/${id}/`,
      custom_profile_id: profileId,
      nickname: `Fan ${profiles.size + 1}`,
      custom_data: null,
    };
    profiles.set(profileId, created);
    return created;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, entry: LiveLikeRequest) => {
    const answer = (status: number, body?: unknown) => {
      entry.status = status;
      if (body === undefined) return res.writeHead(status).end();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const { path } = entry;
    if (path === '/api/v1/hang') {
      req.socket.once('close', () => events.emit('closed', path));
      return;
    }
    // A page on another origin sends Authorization and Content-Type: preflighted.
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST, PATCH, PUT, DELETE');
      res.setHeader('access-control-allow-headers', 'Authorization, Content-Type');
      return answer(204);
    }
    // Public, like LiveLike's: the SDK reads it before it has a token.
    const app = /^\/api\/v1\/applications\/([^/?]+)\/$/.exec(path);
    if (app && req.method === 'GET') {
      return app[1] === clientId
        ? answer(200, application())
        : answer(404, { detail: 'Not found.' });
    }
    const who = await authenticate(req);
    if ('refused' in who) return answer(401, { detail: who.refused });
    if (path !== `/api/v1/applications/${clientId}/profile/`)
      return answer(404, { detail: 'Not found.' });
    const profile = profileOf(who.profileId);
    if (req.method === 'GET') return answer(200, profile);
    if (req.method !== 'PATCH')
      return answer(405, { detail: `Method "${req.method}" not allowed.` });
    const changes = await jsonBodyOf(req);
    if (changes === undefined) return answer(400, { detail: 'JSON parse error.' });
    if (typeof changes.nickname === 'string') profile.nickname = changes.nickname;
    if (typeof changes.custom_data === 'string') profile.custom_data = changes.custom_data;
    answer(200, profile);
  };

  const server = createServer((req, res) => {
    const entry: LiveLikeRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
    };
    requests.push(entry);
    events.emit('request', entry.path);
    // Any origin, as LiveLike's API is called from its customers' pages.
    if (req.headers.origin) {
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('vary', 'Origin');
    }
    void handle(req, res, entry);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  apiUrl = `http://127.0.0.1:${port}/api/v1`;
  return {
    apiUrl,
    requests,
    profiles,
    events,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A JSON object body, or undefined when it is not one. */
async function jsonBodyOf(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
