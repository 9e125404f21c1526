import { z } from 'zod';
import { ConsoleConfig } from '../console/console-schemas';
import { json, type PathContext } from './operation-parts';

/** The developer console's page, assets and configuration (only when CONSOLE_ENABLED). */
export function registerConsolePaths({ register }: PathContext): void {
  const asset = (file: string, mediaType: string, summary: string) =>
    register({
      method: 'get',
      path: `/console${file}`,
      operationId: `console${file.replace(/\W+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      tags: ['console'],
      summary,
      responses: {
        200: { description: summary, content: { [mediaType]: { schema: z.string() } } },
      },
      problems: [],
    });
  asset('', 'text/html', 'The developer console (CONSOLE_ENABLED)');
  asset('/console.css', 'text/css', "The console's style sheet");
  asset('/console.js', 'text/javascript', "The console's script");
  register({
    method: 'get',
    path: '/console/config.json',
    operationId: 'consoleConfig',
    tags: ['console'],
    summary: 'What the console needs to know about this service',
    responses: { 200: json(ConsoleConfig, 'The console configuration.') },
    problems: [],
  });
}

/** The frontend client module (client/), served whatever CONSOLE_ENABLED says. */
export function registerFrontendClientPath({ register }: PathContext): void {
  register({
    method: 'get',
    path: '/client/token-bff-client.js',
    operationId: 'frontendClient',
    tags: ['operations'],
    summary: 'The frontend client, an ES module (README, "Frontend integration")',
    responses: {
      200: {
        description: 'The module (Cache-Control: no-cache; ETag, 304 when unchanged)',
        content: { 'text/javascript': { schema: z.string() } },
      },
    },
    problems: [],
  });
}
