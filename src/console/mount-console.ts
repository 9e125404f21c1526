import type { Express } from 'express';
import type { Config } from '../config';
import { consoleRoutes } from './console-routes';

/** /console: the developer console's page and assets (a 404 like any unknown path when off). */
export function mountConsole(app: Express, config: Pick<Config, 'console' | 'appOidc'>): void {
  const oidcLogin = config.appOidc.relyingParty !== undefined;
  app.use('/console', consoleRoutes({ ...config.console, oidcLogin }));
}
