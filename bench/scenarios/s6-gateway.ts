/**
 * S6: gateway mode. deploy/nginx in front of the service: nginx asks the service's internal
 * listener (GET /auth/likecoin) for each call's Bearer, then streams the call to (d) itself.
 * Over S3's LikeCoin-connected bearer sessions, at 1 KB and 64 KB answers, and at 1 connection.
 */
import { pidsOf } from '../lib/baseline';
import { startGatewayNginxChild } from '../lib/gateway-nginx';
import { SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';
import type { GatewayPair } from './h-floor-gateway';

export async function gatewayTargets(
  shared: Shared,
  s3: Target,
): Promise<(GatewayPair & { latency: Target }) | undefined> {
  const { service, upstream } = shared;
  const apiUrl = `http://127.0.0.1:${upstream.port}/api`;
  const nginx = await startGatewayNginxChild('S6 nginx', {
    publicUrl: service.url,
    internalUrl: service.internalUrl,
    likeCoinApiUrl: apiUrl,
    liveLikeApiUrl: apiUrl,
  });
  if (!nginx) return undefined;
  const target = (id: string, label: string, path: string, connections: number): Target => ({
    id,
    label,
    connections,
    url: `${nginx.url}/likecoin/api/users/${path}`,
    // S3's sessions, headers and all: the same callers, through nginx.
    headers: s3.headers,
    sessions: s3.sessions,
    pids: () => [...nginx.pids(), service.child.pid, upstream.child.pid],
    rssPids: pidsOf(service.child),
  });
  const T = SETTINGS.throughputConnections;
  return {
    small: target('S6', 'S6 nginx → token-bff /auth; → (d)', 'profile', T),
    large: target('S6-64k', 'S6 gateway, 64 KB', 'large', T),
    latency: target('S6@1', 'S6 gateway @1', 'profile', SETTINGS.latencyConnections),
    nginx,
    auth: {
      ...target('S6-auth', 'S6 /auth/likecoin alone', 'profile', T),
      url: `${service.internalUrl}/auth/likecoin`,
      // What nginx's auth_request adds to the caller's own headers (deploy/nginx).
      headers: {
        ...s3.headers,
        'X-Original-Method': 'GET',
        'X-Original-URI': '/likecoin/api/users/profile',
      },
      pids: () => [service.child.pid],
    },
  };
}

/** S3, or (e), with the 64 KB answer instead of 1 KB. */
export function large(t: Target, label: string): Target {
  return {
    ...t,
    id: `${t.id}-64k`,
    label,
    url: t.url.replace(/\/users\/profile$/, '/users/large'),
  };
}
