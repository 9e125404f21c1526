import type { RequestHandler } from 'express';
import { problems } from './problems';

/**
 * Refuses absolute-form request targets (`GET http://evil/ HTTP/1.1`): Express would route
 * them by their path, but nothing this service serves is addressed that way.
 */
export const originFormOnly: RequestHandler = (req, _res, next) => {
  if (!req.url.startsWith('/')) {
    next(problems.invalidPath('Send an origin-form request target (a path).'));
    return;
  }
  next();
};
