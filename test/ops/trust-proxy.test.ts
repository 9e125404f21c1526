import { once } from 'node:events';
import { APP_JWT_SECRET } from '../support/test-app';
import { appIdToken } from '../support/app-tokens';
import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMain } from '../support/spawn-main';

it('refuses TRUST_PROXY=true in production: one line naming it, no stack, exit 1', async () => {
  const child = spawnMain({
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bff.example',
    SESSION_SECRET: 's'.repeat(32),
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    REDIS_URL: process.env.REDIS_URL,
    TRUST_PROXY: 'true',
  });
  const stderr = collect(child.stderr);
  const stdout = collect(child.stdout);
  const [code] = await once(child, 'exit');
  expect(code).toBe(1);
  const lines = stderr.text.split('\n').filter(Boolean);
  expect(lines).toEqual(['token-bff cannot start:', expect.stringMatching(/^ {2}TRUST_PROXY: /)]);
  expect(lines[1]).toMatch(/X-Forwarded-For/);
  expect(stdout.text).toBe('');
}, 20_000);

it('keeps TRUST_PROXY=true in development, warning at start-up that clients choose their IP', async () => {
  const port = await freePort();
  const child = spawnMain({
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    APP_JWT_SECRET,
    RATE_LIMIT_LOGIN_PER_IP: '1',
    TRUST_PROXY: 'true',
  });
  const stdout = collect(child.stdout);
  await lineContaining(child, 'token-bff listening');
  // Configuration warnings are logged before the service listens.
  const warnings = stdout.text
    .split('\n')
    .filter((l) => l.includes('TRUST_PROXY'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  expect(warnings.map((w) => w.level)).toEqual([40]);
  expect(warnings[0]?.msg).toMatch(
    /^TRUST_PROXY is true: .*X-Forwarded-For.*refused in production/,
  );

  // What `true` means: the per-IP limit counts the address the client claims.
  const login = (ip: string) =>
    fetch(`http://127.0.0.1:${port}/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
      body: JSON.stringify({ id_token: appIdToken({ sub: 'dev-user' }) }),
    });
  expect((await login('203.0.113.1')).status).toBe(200);
  expect((await login('203.0.113.1')).status).toBe(429);
  expect((await login('203.0.113.2')).status).toBe(200);
}, 30_000);
