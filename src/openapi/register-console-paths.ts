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
