import { ConfigError, loadConfig } from '../src/config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://bff.example',
  SESSION_SECRET: 's'.repeat(32),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('loadConfig', () => {
  it('starts with nothing set, on documented defaults, warning about each dev-only fallback', () => {
    const { config, warnings } = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicBaseUrl.href).toBe('http://localhost:3000/');
    expect(config.session).toMatchObject({
      ttlSeconds: 86400,
      maxAgeSeconds: 604800,
      cookieName: 'token-bff',
    });
    expect(config.redis.topology).toBeUndefined();
    expect(config.livelike.credentials).toBeUndefined();
    expect(config.livelike.tokenTtlSeconds).toBe(3600);
    expect(config.likecoin.redirectUri.href).toBe('http://localhost:3000/likecoin/callback');
    expect(config.likecoin.scopes).toEqual(['profile']);
    expect(config.allowedReturnTo).toEqual(['http://localhost:3000']);
    expect(config.appJwt).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/SESSION_SECRET/);
    expect(warnings.join('\n')).toMatch(/TOKEN_ENCRYPTION_KEY/);
    expect(warnings.join('\n')).toMatch(/REDIS_URL.*single instance/);
    expect(Object.isFrozen(config) && Object.isFrozen(config.session)).toBe(true);
  });

  it('accepts a complete production configuration without warnings', () => {
    const { config, warnings } = loadConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.session).toMatchObject({ cookieName: '__Host-token-bff', secureCookie: true });
    expect(warnings).toEqual([]);
  });

  it('names every missing production requirement, one line each', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://bff.example' });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SESSION_SECRET: required in production/),
        expect.stringMatching(/^TOKEN_ENCRYPTION_KEY: required in production/),
        expect.stringMatching(/^REDIS_URL: required in production/),
        expect.stringMatching(/^PUBLIC_BASE_URL: must be https in production/),
      ]),
    );
  });

  it.each([
    [{ SESSION_SECRET: 'short' }, /^SESSION_SECRET: secret #1 is shorter than 32 characters/],
    [{ SESSION_SECRET: `${'a'.repeat(32)},old` }, /^SESSION_SECRET: secret #2/],
    [
      { TOKEN_ENCRYPTION_KEY: 'not-32-bytes' },
      /^TOKEN_ENCRYPTION_KEY: key #1 is not the base64 of exactly 32 bytes/,
    ],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
    [{ PORT: '70000' }, /^PORT: must be at most 65535/],
    [{ LIKECOIN_PKCE: 'yes' }, /^LIKECOIN_PKCE: must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of/],
    [
      { CORS_ORIGINS: 'https://app.example/path' },
      /^CORS_ORIGINS: "https:\/\/app.example\/path" is not an origin/,
    ],
    [
      { ALLOWED_RETURN_TO: 'javascript:alert(1)' },
      /^ALLOWED_RETURN_TO: .* never a safe return target/,
    ],
    [
      { LIVELIKE_CLIENT_ID: 'only-the-id' },
      /^LIVELIKE_CLIENT_SECRET: must be set together with LIVELIKE_CLIENT_ID/,
    ],
    [
      { APP_JWT_SECRET: 'x'.repeat(32), APP_JWKS_URL: 'https://idp.example/jwks' },
      /^APP_JWT_SECRET: set either/,
    ],
    [{ APP_JWT_SECRET: 'too-short' }, /^APP_JWT_SECRET: must be at least 32 bytes/],
    [
      { SESSION_TTL_SECONDS: '7200', SESSION_MAX_AGE_SECONDS: '3600' },
      /^SESSION_MAX_AGE_SECONDS: must be at least/,
    ],
  ])('refuses %o with a line naming the variable', (env, expected) => {
    const problems = problemsOf({ ...PRODUCTION, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('treats empty variables as unset', () => {
    const { config } = loadConfig({ PORT: '', LIVELIKE_TOKEN_TTL_SECONDS: '', LOG_LEVEL: '' });
    expect([config.port, config.livelike.tokenTtlSeconds, config.logLevel]).toEqual([
      3000,
      3600,
      'info',
    ]);
  });

  it('keeps every session secret for verification, the first one signing', () => {
    const { config } = loadConfig({ SESSION_SECRET: 'new-secret, old-secret' });
    expect(config.session.secrets).toEqual(['new-secret', 'old-secret']);
  });

  it('allows any path on http(s) return origins, and exact app URLs', () => {
    const { config } = loadConfig({
      ALLOWED_RETURN_TO: 'https://app.example/welcome,myapp://auth',
    });
    expect(config.allowedReturnTo).toEqual(['https://app.example', 'myapp://auth']);
  });

  it('warns, without refusing, about a LiveLike secret too short for HS256', () => {
    const { warnings } = loadConfig({
      ...PRODUCTION,
      LIVELIKE_CLIENT_ID: 'id',
      LIVELIKE_CLIENT_SECRET: 'short',
    });
    expect(warnings).toEqual([
      expect.stringMatching(/^LIVELIKE_CLIENT_SECRET is shorter than 32 bytes/),
    ]);
  });
});

describe('Redis topologies', () => {
  const base = { NODE_ENV: 'test' };
  it.each([
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, 'node'],
    [{ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'main' }, 'sentinel'],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis://127.0.0.1:7001' }, 'cluster'],
  ])('%j ⇒ %s', (env, kind) => {
    expect(loadConfig({ ...base, ...env }).config.redis.topology?.kind).toBe(kind);
  });

  it('refuses two topologies at once, with one line naming both', () => {
    expect(() =>
      loadConfig({ ...base, REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }),
    ).toThrow(/REDIS_URL, REDIS_CLUSTER_NODES: set only one Redis topology/);
  });

  it('refuses a key prefix that would be a hash tag', () => {
    expect(() => loadConfig({ ...base, REDIS_KEY_PREFIX: 'app{1}:' })).toThrow(
      /REDIS_KEY_PREFIX: must not contain \{ or \}/,
    );
  });
});

describe('TLS and proxy allowlists', () => {
  const base = { NODE_ENV: 'test' };
  it('wants both TLS files, readable, and an https PUBLIC_BASE_URL', () => {
    expect(() => loadConfig({ ...base, TLS_CERT_FILE: '/nonexistent/cert.pem' })).toThrow(
      /TLS_KEY_FILE: must be set together with TLS_CERT_FILE/,
    );
    expect(() =>
      loadConfig({
        ...base,
        TLS_CERT_FILE: '/nonexistent/c.pem',
        TLS_KEY_FILE: '/nonexistent/k.pem',
      }),
    ).toThrow(
      /PUBLIC_BASE_URL: must be https when TLS_CERT_FILE is set[\s\S]*TLS_CERT_FILE: cannot read/,
    );
  });

  it('takes plain path prefixes, / by default', () => {
    expect(loadConfig(base).config.likecoin.apiPaths).toEqual(['/']);
    expect(loadConfig({ ...base, LIVELIKE_API_PATHS: '/a,/b/' }).config.livelike.apiPaths).toEqual([
      '/a',
      '/b/',
    ]);
    for (const bad of ['users', '/a/../b', '/%2e', '/a?b'])
      expect(() => loadConfig({ ...base, LIKECOIN_API_PATHS: bad })).toThrow(/LIKECOIN_API_PATHS/);
  });
});

describe('TRUST_PROXY', () => {
  const NAMES = 'loopback, linklocal, uniquelocal';
  it.each<[string, unknown]>([
    ['1', 1],
    ['0', 0],
    ['false', false],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 192.168.1.7', '10.0.0.0/8,192.168.1.7'],
    ['fd00::/8,loopback', 'fd00::/8,loopback'],
    ['10.0.0.0/255.0.0.0', '10.0.0.0/255.0.0.0'],
  ])('accepts %p in production, without a warning', (raw, expected) => {
    const { config, warnings } = loadConfig({ ...PRODUCTION, TRUST_PROXY: raw });
    expect(config.trustProxy).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it.each(['true', '0.0.0.0/0', '::/0', 'loopback,0.0.0.0/0'])(
    'refuses %p in production: every client could choose its IP with X-Forwarded-For',
    (raw) => {
      const problems = problemsOf({ ...PRODUCTION, TRUST_PROXY: raw });
      expect(problems).toEqual([expect.stringMatching(/^TRUST_PROXY: .*X-Forwarded-For/)]);
      expect(problems[0]).toContain('hop count');
    },
  );

  it.each(['TRUE', 'yes', 'proxy.example', '10.0.0.0/33', '-1', '1.2.3', 'loopback,,1.2.3.4'])(
    'refuses %p everywhere with one line naming it (Express would throw at start-up)',
    (raw) => {
      for (const env of [PRODUCTION, { NODE_ENV: 'development' }]) {
        const problems = problemsOf({ ...env, TRUST_PROXY: raw });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^TRUST_PROXY: ".*" is not /);
        expect(problems[0]).toContain(NAMES);
      }
    },
  );

  it('keeps true in development, with a warning that production refuses it', () => {
    const { config, warnings } = loadConfig({ NODE_ENV: 'development', TRUST_PROXY: 'true' });
    expect(config.trustProxy).toBe(true);
    expect(warnings).toContainEqual(
      expect.stringMatching(/^TRUST_PROXY is true: .*X-Forwarded-For.*refused in production/),
    );
  });
});

describe('CONSOLE_ENABLED', () => {
  it('warns at start-up when production serves the developer console', () => {
    const { config, warnings } = loadConfig({ ...PRODUCTION, CONSOLE_ENABLED: 'true' });
    expect(config.console.enabled).toBe(true);
    expect(warnings).toEqual([
      expect.stringMatching(/^CONSOLE_ENABLED is true in production: .*\/console/),
    ]);
  });

  it.each<[Record<string, string>, boolean]>([
    [PRODUCTION, false],
    [{ ...PRODUCTION, CONSOLE_ENABLED: 'false' }, false],
    [{ NODE_ENV: 'development', CONSOLE_ENABLED: 'true' }, true],
  ])('says nothing about the console otherwise (%o)', (env, enabled) => {
    const { config, warnings } = loadConfig(env);
    expect(config.console.enabled).toBe(enabled);
    expect(warnings.filter((w) => w.includes('CONSOLE_ENABLED'))).toEqual([]);
  });
});
