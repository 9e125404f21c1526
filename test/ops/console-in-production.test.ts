import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMain } from '../support/spawn-main';

it('warns at start-up when production serves the developer console, and serves it', async () => {
  const port = await freePort();
  const child = spawnMain({
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'https://bff.example',
    SESSION_SECRET: 's'.repeat(32),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    REDIS_URL: process.env.REDIS_URL,
    REDIS_KEY_PREFIX: `test:console-prod:${port}:`,
    CONSOLE_ENABLED: 'true',
  });
  const stdout = collect(child.stdout);
  await lineContaining(child, 'token-bff listening');
  // Configuration warnings are logged before the service listens.
  const warnings = stdout.text
    .split('\n')
    .filter((l) => l.includes('CONSOLE_ENABLED'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  expect(warnings).toEqual([
    {
      ...warnings[0],
      level: 40,
      msg: expect.stringMatching(/^CONSOLE_ENABLED is true in production: .*\/console/),
    },
  ]);
  expect((await fetch(`http://127.0.0.1:${port}/console/`)).status).toBe(200);
}, 30_000);
