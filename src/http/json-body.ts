import express, { type RequestHandler } from 'express';
import { problems } from './problems';

/**
 * For routes that take a JSON body: anything but application/json is refused (415) rather
 * than silently ignored, and the body is capped.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      next(problems.unsupportedMediaType('Send the body as application/json.'));
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, strict: true })];
}

/** A JSON object body (not an array, string or null), or a 400. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw problems.invalidRequest('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}
