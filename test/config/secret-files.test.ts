import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, SECRETS_FROM_FILES } from '../../src/config';
import { MAX_SECRET_FILE_BYTES } from '../../src/config/secret-files';

const dir = mkdtempSync(join(tmpdir(), 'token-bff-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` to a fresh file and answers its path. */
function secretFile(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

const SESSION_SECRET = 'session-secret-from-a-file-0123456789';
const KEY = Buffer.alloc(32, 9).toString('base64');
const APP_JWT_SECRET = 'app-jwt-secret-from-a-file-0123456789';
const LIVELIKE_SECRET = 'livelike-secret-from-a-file-0123456789';
const LIKECOIN_SECRET = 'likecoin-secret-from-a-file';
const REDIS_PASSWORD = 'f00dfeed';

it('takes every secret from its _FILE in production, trailing newline and all', () => {
  const { config, warnings } = loadConfig({
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://bff.example',
    REDIS_URL: 'redis://redis:6379/0',
    SESSION_SECRET_FILE: secretFile('session', `${SESSION_SECRET}\n`),
    TOKEN_ENCRYPTION_KEY_FILE: secretFile('key', `${KEY}\r\n`),
    APP_JWT_SECRET_FILE: secretFile('app-jwt', APP_JWT_SECRET),
    LIVELIKE_CLIENT_ID: 'll',
    LIVELIKE_CLIENT_SECRET_FILE: secretFile('livelike', LIVELIKE_SECRET),
    LIKECOIN_CLIENT_ID: 'lc',
    LIKECOIN_CLIENT_SECRET_FILE: secretFile('likecoin', LIKECOIN_SECRET),
    REDIS_PASSWORD_FILE: secretFile('redis', `${REDIS_PASSWORD}\n`),
  });
  expect(warnings).toEqual([]);
  expect(config.session.secrets).toEqual([SESSION_SECRET]);
  expect(Buffer.from(config.tokenEncryptionKeys[0]!).toString('base64')).toBe(KEY);
  expect(config.appJwt?.secret).toBe(APP_JWT_SECRET);
  expect(config.livelike.credentials?.clientSecret).toBe(LIVELIKE_SECRET);
  expect(config.likecoin.credentials?.clientSecret).toBe(LIKECOIN_SECRET);
  expect(config.redis.topology).toEqual({
    kind: 'node',
    url: `redis://:${REDIS_PASSWORD}@redis:6379/0`,
  });
});

it('offers a _FILE form for exactly the secrets', () => {
  expect([...SECRETS_FROM_FILES].sort()).toEqual([
    'APP_JWT_SECRET',
    'APP_OIDC_CLIENT_SECRET',
    'LIKECOIN_CLIENT_SECRET',
    'LIVELIKE_CLIENT_SECRET',
    'OTEL_EXPORTER_OTLP_HEADERS',
    'REDIS_PASSWORD',
    'SESSION_SECRET',
    'TOKEN_ENCRYPTION_KEY',
  ]);
});

it('checks a secret from a file like one from the environment', () => {
  expect(
    problemsOf({
      NODE_ENV: 'production',
      SESSION_SECRET_FILE: secretFile('short', 'too-short\n'),
    }),
  ).toContain('SESSION_SECRET: secret #1 is shorter than 32 characters');
});

describe('refuses, naming the variable and the path but never the content', () => {
  const secret = 'the-secret-that-must-not-be-printed-0123';
  it.each<[string, () => Record<string, string>, RegExp]>([
    [
      'both forms at once',
      () => ({ SESSION_SECRET: secret, SESSION_SECRET_FILE: secretFile('both', secret) }),
      /^SESSION_SECRET_FILE: set either SESSION_SECRET or SESSION_SECRET_FILE, not both$/,
    ],
    [
      'a missing file',
      () => ({ APP_JWT_SECRET_FILE: join(dir, 'nope') }),
      /^APP_JWT_SECRET_FILE: cannot read .*nope \(ENOENT\)$/,
    ],
    [
      'a directory',
      () => ({ LIKECOIN_CLIENT_SECRET_FILE: dir }),
      /^LIKECOIN_CLIENT_SECRET_FILE: cannot read .* \(EISDIR\)$/,
    ],
    [
      'an empty file (whitespace only)',
      () => ({ REDIS_PASSWORD_FILE: secretFile('empty', ' \n') }),
      /^REDIS_PASSWORD_FILE: .*empty is empty$/,
    ],
    [
      'a file over the limit',
      () => ({
        TOKEN_ENCRYPTION_KEY_FILE: secretFile('big', Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 65)),
      }),
      /^TOKEN_ENCRYPTION_KEY_FILE: .*big is larger than 65536 bytes$/,
    ],
  ])('%s', (_name, env, expected) => {
    const problems = problemsOf(env());
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('and lists a file problem beside the schema problems', () => {
    const problems = problemsOf({ PORT: 'eighty', APP_JWT_SECRET_FILE: join(dir, 'nope') });
    expect(problems).toEqual([
      expect.stringMatching(/^APP_JWT_SECRET_FILE: cannot read/),
      'PORT: must be a whole number',
    ]);
  });
});

it('warns about, but starts with, a Redis password and no Redis (one .env for compose and dev)', () => {
  const { config, warnings } = loadConfig({ REDIS_PASSWORD: 'pw' });
  expect(config.redis.topology).toBeUndefined();
  expect(warnings).toContain(
    'REDIS_PASSWORD is set, but no Redis is (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): ignored',
  );
});
