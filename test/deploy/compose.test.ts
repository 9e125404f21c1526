import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { appIdToken } from '../support/app-tokens';
import { freePort } from '../support/redis-server';
import { collect, lineContaining, spawnMain } from '../support/spawn-main';
import { APP_JWT_SECRET } from '../support/test-app';
import { composeModel, ROOT, runComposeConfig, type ComposeModel } from './compose-config';

// docker-compose.yml as a newcomer meets it: valid with nothing set, deaf to a development .env
// where it must be, and — run with exactly the environment, command and secrets compose would
// give each service, addresses mapped to this machine — a service a browser can sign in to.

const work = mkdtempSync(join(tmpdir(), 'token-bff-compose-run-'));
const secrets = join(work, 'secrets');
let redis: ChildProcess | undefined;

afterAll(async () => {
  if (redis && redis.exitCode === null) {
    redis.kill('SIGTERM');
    await once(redis, 'exit');
  }
  rmSync(work, { recursive: true, force: true });
});

it('is valid with nothing set: the quick start needs no variable', () => {
  const run = runComposeConfig(['-q']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

it('keeps production, its own wiring and its secret files whatever a development .env says', () => {
  const dotEnv = [
    'NODE_ENV=development',
    'PORT=4000',
    'SESSION_SECRET=dev-secret-0123456789abcdefghijklmnop',
    'REDIS_PASSWORD=dev-redis',
    'REDIS_URL=redis://127.0.0.1:6379',
    'LIKECOIN_API_PATHS=/users,/like',
    'RATE_LIMIT_LOGIN_PER_IP=5',
    'TLS_CERT_FILE=/run/secrets/own.crt',
  ].join('\n');
  const env = composeModel(dotEnv).services['token-bff']!.environment!;
  expect(env).toMatchObject({
    NODE_ENV: 'production',
    PORT: '3000',
    REDIS_URL: 'redis://redis:6379/0',
    REDIS_PASSWORD_FILE: '/run/secrets/redis_password',
    SESSION_SECRET_FILE: '/run/secrets/session_secret',
    PUBLIC_BASE_URL: 'https://localhost:8443',
    TRUST_PROXY: '1',
    // What the .env sets for the service reaches it.
    LIKECOIN_API_PATHS: '/users,/like',
    RATE_LIMIT_LOGIN_PER_IP: '5',
    TLS_CERT_FILE: '/run/secrets/own.crt',
  });
  expect(env).not.toHaveProperty('SESSION_SECRET');
  expect(env).not.toHaveProperty('REDIS_PASSWORD');
});

it('publishes only the TLS terminator; Redis is on a network of its own', () => {
  const { services } = composeModel();
  // Those that start without a profile (the observability profile's are checked apart).
  const always = Object.keys(services).filter((name) => !services[name]!.profiles);
  expect(always.sort()).toEqual(['redis', 'tls', 'token-bff']);
  expect(services.tls!.ports).toHaveLength(1);
  for (const name of Object.keys(services).filter((n) => services[n]!.profiles)) {
    // Anything a profile adds is published on loopback only.
    for (const port of services[name]!.ports ?? [])
      expect(JSON.stringify(port)).toMatch(/127\.0\.0\.1/);
  }
  expect(services['token-bff']!.ports).toBeUndefined();
  expect(services.redis!.ports).toBeUndefined();
  expect(Object.keys(services.redis!.networks!)).toEqual(['store']);
});

describe('run with what compose gives each service', () => {
  let model: ComposeModel;
  /** A compose secret's path on this machine: make-secrets.sh's output in a temp dir. */
  const local = (path: string) =>
    path.replace(/^\/run\/secrets\/(.*)$/, (_m, name: string) => {
      const file = model.secrets[name]?.file;
      if (!file) throw new Error(`compose names no secret ${name}`);
      return join(secrets, file.slice(file.lastIndexOf('/') + 1));
    });
  let redisPort: number;

  beforeAll(async () => {
    const made = spawnSync('sh', [join(ROOT, 'deploy/compose/make-secrets.sh'), secrets], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(made.status).toBe(0);
    model = composeModel('', { APP_JWT_SECRET });

    // Redis: compose's own command, on a loopback port and a temp dir.
    redisPort = await freePort();
    const [shell, flag, script] = model.services.redis!.command!;
    expect([shell, flag]).toEqual(['sh', '-c']);
    const localScript = script!
      .replaceAll('$$', '$')
      .replace('/run/secrets/redis_password', local('/run/secrets/redis_password'))
      .replace('redis-server -', `redis-server - --port ${redisPort} --dir ${work} --save ""`);
    redis = spawn('sh', ['-c', localScript], { stdio: ['ignore', 'pipe', 'pipe'] });
    await lineOf(redis, 'Ready to accept connections');
  });

  it('Redis asks for the password, which is on no command line', async () => {
    const password = readFileSync(join(secrets, 'redis_password'), 'utf8').trim();
    // Not in what compose passes (docker inspect shows it), nor in what the process runs as.
    expect(model.services.redis!.command!.join(' ')).not.toContain(password);
    expect(readFileSync(`/proc/${redis!.pid}/cmdline`, 'utf8')).not.toContain(password);
    const anonymous = spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], {
      encoding: 'utf8',
    });
    expect(anonymous.stdout).toMatch(/NOAUTH/);
    // Compose's healthcheck, as written.
    const [kind, check] = model.services.redis!.healthcheck!.test;
    expect(kind).toBe('CMD-SHELL');
    const health = spawnSync(
      'sh',
      [
        '-c',
        check!
          .replaceAll('$$', '$')
          .replace('/run/secrets/redis_password', join(secrets, 'redis_password'))
          .replace('redis-cli', `redis-cli -p ${redisPort}`),
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(health.status).toBe(0);
  });

  it('the service starts in production on the secret files and signs a browser in over HTTPS', async () => {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(model.services['token-bff']!.environment!))
      if (value !== null) env[name] = local(value);
    env.PORT = String(port);
    env.HOST = '127.0.0.1';
    env.REDIS_URL = env.REDIS_URL!.replace('redis:6379', `127.0.0.1:${redisPort}`);
    const child = spawnMain(env);
    const out = collect(child.stdout);
    const listening = JSON.parse(await lineContaining(child, 'token-bff listening')) as {
      store: string;
      level: number;
    };
    expect(listening.store).toBe('redis');
    // Production with every secret from a file: not one warning at start-up.
    expect(out.text.split('\n').filter((l) => l.includes('"level":40'))).toEqual([]);
    const url = `http://127.0.0.1:${port}`;
    const idToken = appIdToken({ sub: 'newcomer' });

    // As the TLS terminator forwards it (TRUST_PROXY=1 trusts that one hop).
    const viaTls = await request(url)
      .post('/session')
      .set('X-Forwarded-Proto', 'https')
      .send({ id_token: idToken })
      .expect(200);
    const cookie = (viaTls.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^__Host-token-bff=s%3A.*; Path=\/; .*HttpOnly; Secure; SameSite=Lax$/);

    // Around the terminator, straight to plain HTTP: no cookie, and the log says why.
    const warned = lineContaining(child, 'TRUST_PROXY is set, but no X-Forwarded-Proto');
    const direct = await request(url).post('/session').send({ id_token: idToken }).expect(200);
    expect(direct.headers['set-cookie']).toBeUndefined();
    expect((JSON.parse(await warned) as { level: number }).level).toBe(40);
  });
});

/** Resolves when `child` prints a line containing `text`; bounded to 10 s. */
function lineOf(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" in 10 s: ${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before "${text}": ${out}`));
    });
  });
}

describe('the observability profile', () => {
  it('is valid with the profile asked for, and starts nothing without it', () => {
    const run = runComposeConfig(['-q'], '', {}, ['observability']);
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(runComposeConfig(['--profiles']).stdout.trim().split('\n')).toEqual(['observability']);
    const { services } = composeModel();
    const profiled = Object.keys(services).filter((n) => services[n]!.profiles);
    expect(profiled.sort()).toEqual(['grafana', 'jaeger', 'prometheus']);
    for (const name of profiled) expect(services[name]!.profiles).toEqual(['observability']);
  });

  it("mounts what exists: Prometheus's scrape config, Grafana's provisioning and the dashboard", () => {
    const { services } = composeModel();
    // Bind mounts as Compose 1.29 prints them: "/abs/source:/target:ro" (a volume has no /).
    const mounts = (name: string) =>
      (services[name]!.volumes ?? []).flatMap((v) => {
        const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
        return source?.startsWith('/') ? [`${source} ${target}`] : [];
      });
    const inRepo = (path: string) => `${ROOT}/${path}`;
    expect(mounts('prometheus')).toEqual([
      `${inRepo('deploy/prometheus/prometheus.yml')} /etc/prometheus/prometheus.yml`,
    ]);
    expect(mounts('grafana').sort()).toEqual(
      [
        `${inRepo('deploy/grafana/provisioning')} /etc/grafana/provisioning`,
        `${inRepo('deploy/grafana/token-bff.json')} /var/lib/grafana/dashboards/token-bff.json`,
      ].sort(),
    );
    for (const line of [...mounts('prometheus'), ...mounts('grafana')]) {
      expect(statSync(line.split(' ')[0]!, { throwIfNoEntry: false })).toBeDefined();
    }
    // Anonymous viewers only, nobody logs in; the dashboard is the home page.
    expect(services.grafana!.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
      GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: '/var/lib/grafana/dashboards/token-bff.json',
    });
  });

  it('shares a network with token-bff (Prometheus scrapes it, it sends Jaeger traces)', () => {
    const { services } = composeModel();
    const scrape = readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8');
    const port = services['token-bff']!.environment!.PORT;
    expect(scrape).toContain(`targets: ['token-bff:${port}']`);
    const serviceNets = Object.keys(services['token-bff']!.networks!);
    for (const name of ['prometheus', 'grafana', 'jaeger']) {
      const nets = Object.keys(services[name]!.networks!);
      expect(nets.filter((n) => serviceNets.includes(n))).not.toEqual([]);
      expect(nets).not.toContain('store');
    }
  });
});
