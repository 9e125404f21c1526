import type { Express } from 'express';
import type { Config } from '../config';
import { buildOpenApiDocument, type DocumentedProvider } from './openapi-document';

/** GET /openapi.json: the document is built once, at start-up, from this app's configuration. */
export function mountOpenApi(
  app: Express,
  { config, providers }: { config: Config; providers: readonly DocumentedProvider[] },
): void {
  const body = JSON.stringify(buildOpenApiDocument(config, providers));
  // A route of the app, not a router at `/` that every other request would have to pass.
  app.get('/openapi.json', (_req, res) => {
    // Revalidated on every use: a redeploy may change it, and it is cheap to send.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(body);
  });
}
