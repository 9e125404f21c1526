import type { RequestHandler } from 'express';
import { problems } from '../http/problems';
import { credentialOf } from './session-data';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-carried calls must send `X-CSRF: 1`: a custom header forces a CORS preflight, so only
 * allowed origins can send it. Bearer-carried calls cannot be forged by a browser and are exempt.
 * A state-changing call from a foreign Origin is refused whatever it carries but a bearer.
 */
export function csrfGuard(allowedOrigins: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    const carrier = credentialOf(req).carrier;
    if (carrier === 'bearer') return next();
    const origin = req.headers.origin;
    if (!SAFE_METHODS.has(req.method) && origin !== undefined && !allowedOrigins.has(origin)) {
      throw problems.csrfRejected('Requests from this origin are not allowed.');
    }
    if (carrier === 'cookie' && req.headers['x-csrf'] !== '1') {
      throw problems.csrfRejected('Cookie-authenticated calls must send the header X-CSRF: 1.');
    }
    next();
  };
}
