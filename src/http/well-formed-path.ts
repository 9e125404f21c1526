import type { RequestHandler } from 'express';
import { problems } from './problems';

/** One answer for every malformed path, whether this guard or the router's decoding finds it. */
export const malformedPath = () =>
  problems.invalidPath('The path has a malformed percent-encoding (RFC 3986, UTF-8).');

/**
 * Refuses a path whose percent-encoding does not decode (`/%`, `/%zz`, `/%C0`, a cut UTF-8
 * sequence): before any session is loaded or anything is forwarded, and on every path alike,
 * so garbage meets the same 400 whichever route (or none) it would have reached. Express's
 * router would otherwise throw while decoding a route parameter.
 */
export const wellFormedPath: RequestHandler = (req, _res, next) => {
  const query = req.url.indexOf('?');
  const path = query === -1 ? req.url : req.url.slice(0, query);
  if (path.includes('%') && !decodes(path)) {
    next(malformedPath());
    return;
  }
  next();
};

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
