import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import type { Config } from '../config';
import { corsFor } from '../http/cors';

export const CLIENT_MODULE_PATH = '/client/token-bff-client.js';

/** client/dist at the repository root, whether this runs from src/frontend or dist/frontend. */
export const CLIENT_MODULE_FILE = path.resolve(
  __dirname,
  '..',
  '..',
  'client',
  'dist',
  'token-bff-client.js',
);

/**
 * GET /client/token-bff-client.js: the frontend client as an ES module. Read once at start
 * (a missing file is a broken build, so it fails the start, not a page). Module scripts are
 * fetched with CORS, so a page on another origin imports it only when CORS_ORIGINS lists that
 * origin, as for every other call; others bundle the package instead.
 */
export function mountFrontendClient(
  app: Express,
  config: Pick<Config, 'corsOrigins'>,
  file = CLIENT_MODULE_FILE,
): void {
  const source = readFileSync(file);
  const etag = `"${createHash('sha256').update(source).digest('base64url').slice(0, 27)}"`;
  app.get(CLIENT_MODULE_PATH, corsFor(config.corsOrigins), (req, res) => {
    // Revalidated on every load: a page must never run last release's client.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', etag);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.end(source);
  });
}
