import { once } from 'node:events';
import { collect, spawnMain } from '../support/spawn-main';

it('refuses to start on a bad configuration: one line per problem, no stack trace, exit 1', async () => {
  const child = spawnMain({
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bff.example',
    PORT: 'x',
  });
  const stderr = collect(child.stderr);
  const stdout = collect(child.stdout);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  expect(stderr.text.split('\n').filter(Boolean)).toEqual([
    'token-bff cannot start:',
    '  PORT: must be a whole number',
  ]);
  expect(stdout.text).toBe('');
}, 20_000);

it('names every production requirement that is missing', async () => {
  const child = spawnMain({ NODE_ENV: 'production' });
  const stderr = collect(child.stderr);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  for (const name of ['SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY', 'REDIS_URL', 'PUBLIC_BASE_URL']) {
    expect(stderr.text).toMatch(new RegExp(`^  ${name}: `, 'm'));
  }
  expect(stderr.text).not.toMatch(/\n\s+at /);
}, 20_000);
