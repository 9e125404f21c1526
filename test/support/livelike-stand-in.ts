import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

export interface LiveLikeStandIn {
  /** The REST base, like https://cf-blast.livelikecdn.com/api/v1 */
  apiUrl: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  /** 'request' for each call; 'closed' when a caller's connection to /hang goes away. */
  events: EventEmitter;
  close(): Promise<void>;
}

/**
 * LiveLike's REST API as far as the proxy and `token-bff doctor` need it: the application
 * resource (no credentials, as the SDK reads it first); Bearer profile tokens (HS256 with the
 * client secret), whose first use creates the profile for its custom_profile_id.
 */
export async function startLiveLikeStandIn(
  clientId: string,
  clientSecret: string,
): Promise<LiveLikeStandIn> {
  const key = new TextEncoder().encode(clientSecret);
  const profiles = new Map<string, { id: string; custom_profile_id: string }>();
  const requests: LiveLikeStandIn['requests'] = [];
  const events = new EventEmitter();

  let apiUrl = '';

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

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

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    events.emit('request', path);
    if (path === '/api/v1/hang') {
      req.socket.once('close', () => events.emit('closed', path));
      return;
    }
    // Public, like LiveLike's: the SDK reads it before it has a token.
    const app = /^\/api\/v1\/applications\/([^/?]+)\/$/.exec(path);
    if (app && req.method === 'GET') {
      return app[1] === clientId
        ? answer(res, 200, application())
        : answer(res, 404, { detail: 'Not found.' });
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let claims;
    try {
      claims = token
        ? (await jwtVerify(token, key, { algorithms: ['HS256'], issuer: clientId })).payload
        : undefined;
    } catch {
      claims = undefined;
    }
    const profileId = claims?.custom_profile_id;
    if (typeof profileId !== 'string') return answer(res, 401, { detail: 'Invalid token.' });
    if (path !== `/api/v1/applications/${clientId}/profile/`)
      return answer(res, 404, { detail: 'Not found.' });
    const profile = profiles.get(profileId) ?? {
      id: `p-${profiles.size + 1}`,
      custom_profile_id: profileId,
    };
    profiles.set(profileId, profile);
    answer(res, 200, profile);
  };

  const server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  apiUrl = `http://127.0.0.1:${port}/api/v1`;
  return {
    apiUrl,
    requests,
    events,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
