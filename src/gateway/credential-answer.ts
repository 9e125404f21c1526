import type { Request, RequestHandler, Response } from 'express';
import type { ProxyRules } from '../proxy/proxy-rules';

/**
 * The last step of /auth/<name>: the proxy's own checks on the call, then 200 with the Bearer
 * for the gateway to set on the upstream request. The one answer that carries a provider token,
 * which is why it is served on the internal listener only; the body is empty.
 */
export function credentialAnswer(rules: ProxyRules): RequestHandler {
  return async (req: Request, res: Response) => {
    const { bearer } = await rules.check(req);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Authorization', `Bearer ${bearer.token}`);
    res.status(200).end();
  };
}
