import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONSOLE_ASSETS_DIR } from '../../src/console/console-routes';
import { CLIENT_MODULE_FILE } from '../../src/frontend/mount-frontend-client';

const ROOT = path.resolve(__dirname, '../..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

// The image cannot be built here (no Docker engine), so this holds the Dockerfile to what the
// service reads from the repository at run time: without one of these the container fails to
// start (the client module) or serves a 404 page (the console).
it.each([
  ['the frontend client module', path.dirname(CLIENT_MODULE_FILE)],
  ['the console page', CONSOLE_ASSETS_DIR],
  ['the licence', path.join(ROOT, 'LICENSE')],
])('the runtime image copies %s', (_what, file) => {
  const relative = path.relative(ROOT, file);
  const runtime = DOCKERFILE.slice(DOCKERFILE.indexOf('AS runtime'));
  expect(runtime).toMatch(
    new RegExp(`^COPY ${relative} \\./${relative === 'LICENSE' ? '' : relative}$`, 'm'),
  );
});
