import { Router, type RequestHandler } from 'express';
import type { Limits } from '../config';
import { problems, type ProviderNames } from '../http/problems';
import { wellFormedPath } from '../http/well-formed-path';
import type { ProxyRules } from '../proxy/proxy-rules';
import { credentialAnswer } from './credential-answer';
import { originalRequest } from './original-request';
import { refusalHeaders } from './refusal-headers';

export interface GatewayProvider extends ProviderNames {
  /** Its proxy's rules; undefined when the provider is not configured. */
  proxy?: ProxyRules;
}

export interface GatewayRoutesDeps {
  providers: readonly GatewayProvider[];
  /** CORS, the credential hand-over, express-session, lifetimes: as on every session route. */
  sessionChain: RequestHandler[];
  limits: Pick<Limits, 'proxyTargetBytes' | 'storeRetryAfterSeconds'>;
}

/**
 * GET /auth/<name> for each provider: a gateway's forward-auth subrequest, judged by the very
 * rules of the in-process proxy at /<name>/api (session, CSRF and origin, path safety and
 * `*_API_PATHS`, the per-user limit, proactive refresh with its single-flight), in its order.
 */
export function gatewayRoutes({ providers, sessionChain, limits }: GatewayRoutesDeps): Router {
  const router = Router();
  // In each route's own stack: once the request reads as the original, no `/auth` path matches.
  const refused = refusalHeaders(limits);
  for (const provider of providers) {
    const rules = provider.proxy;
    if (!rules) {
      const notConfigured: RequestHandler = () => {
        throw problems.notConfigured(provider);
      };
      router.get(`/auth/${provider.name}`, notConfigured, refused);
      continue;
    }
    router.get(
      `/auth/${provider.name}`,
      originalRequest(rules.prefix, limits.proxyTargetBytes),
      // The original target meets the same guard every public path meets first.
      wellFormedPath,
      ...sessionChain,
      ...rules.guards,
      credentialAnswer(rules),
      refused,
    );
  }
  return router;
}
