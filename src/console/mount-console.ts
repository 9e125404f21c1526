import type { Express } from 'express';
import type { AppContext } from '../app-context';
import { consoleRoutes } from './console-routes';

/** /console: the developer console's page and assets (a 404 like any unknown path when off). */
export function mountConsole(app: Express, ctx: AppContext): void {
  app.use('/console', consoleRoutes(ctx.config.console));
}
