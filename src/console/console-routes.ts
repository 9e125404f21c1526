import path from 'node:path';
import { Router, type NextFunction, type Response } from 'express';

/**
 * The console page's own policy: its script, style sheet and same-origin fetches, nothing
 * else. Every other answer keeps the service-wide `default-src 'none'` (security-headers.ts).
 * Connecting LikeCoin and the demo login are plain link navigations, which `form-action` does
 * not govern, so forms may only post to the page itself.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `console/` at the repository root, whether this runs from src/console or dist/console. */
export const CONSOLE_ASSETS_DIR = path.resolve(__dirname, '..', '..', 'console');

export interface ConsoleRoutesOptions {
  enabled: boolean;
  /** Offered on the page as "Sign in with the demo provider" (npm run demo sets it). */
  demoLoginUrl?: string | undefined;
  /** GET /login exists (APP_OIDC_*): the page offers it. */
  oidcLogin?: boolean;
  assetsDir?: string;
}

/**
 * The developer console (mounted at /console): a static page and what it needs to know about
 * this service. Disabled, it serves nothing, so /console is a 404 like any unknown path.
 */
export function consoleRoutes({
  enabled,
  demoLoginUrl,
  oidcLogin = false,
  assetsDir = CONSOLE_ASSETS_DIR,
}: ConsoleRoutesOptions): Router {
  const router = Router();
  if (!enabled) return router;

  // Read per request, not cached at start: edits to console/ show on reload under npm run dev.
  const send = (file: string, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(file, { root: assetsDir, dotfiles: 'deny', cacheControl: false }, (err) => {
      if (err) next(err);
    });
  };

  router.get('/', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    send('index.html', res, next);
  });
  router.get('/console.css', (_req, res, next) => send('console.css', res, next));
  router.get('/console.js', (_req, res, next) => send('console.js', res, next));
  router.get('/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ demo_login_url: demoLoginUrl ?? null, oidc_login: oidcLogin });
  });
  return router;
}
