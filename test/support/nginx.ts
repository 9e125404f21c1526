import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './redis-server';

const DEPLOY = resolve(__dirname, '../../deploy/nginx');
const TEMPLATE = join(DEPLOY, 'templates/token-bff-gateway.conf.template');
const STARTUP_MS = 10_000;

/** The nginx binary: on PATH, or in the usual sbin dirs (not on a normal user's PATH). */
export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return undefined;
}

export const NGINX_INSTALL_HINT =
  "nginx not found: install Debian's nginx (apt-get install -y nginx), as .ci/run does";

export interface GatewayNginxOptions {
  /** token-bff's public and internal listeners, http://host:port. */
  publicUrl: string;
  internalUrl: string;
  likeCoinApiUrl: string;
  liveLikeApiUrl: string;
  /** Worker processes (the bench gives nginx what it gives (e)); default 1. */
  workers?: number;
}

export interface GatewayNginx {
  /** http://127.0.0.1:port */
  url: string;
  child: ChildProcess;
  /** What nginx wrote to its error log so far (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * The deploy/nginx template filled in as the nginx image fills it (envsubst of ${NAME} only,
 * after sourcing 15-token-bff-upstreams.envsh), with the ports of this run.
 */
export function gatewayConfig(vars: Record<string, string>): string {
  const script = join(DEPLOY, '15-token-bff-upstreams.envsh');
  const derived = spawnSync('sh', ['-c', `. "${script}" && env`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars },
    encoding: 'utf8',
  });
  if (derived.status !== 0) throw new Error(`${script} failed: ${derived.stderr}`);
  const env = new Map(
    derived.stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return readFileSync(TEMPLATE, 'utf8').replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => {
    const value = env.get(name);
    if (value === undefined) throw new Error(`the template needs ${name}`);
    return value;
  });
}

/**
 * A real nginx, as a non-root process of the test: deploy/nginx's configuration in a temp dir
 * (pid, logs and temp files there too), `daemon off`, on a free loopback port. Resolves once it
 * accepts connections; `stop` ends it and removes the dir.
 */
export async function startGatewayNginx(opts: GatewayNginxOptions): Promise<GatewayNginx> {
  const bin = findNginx();
  if (!bin) throw new Error(NGINX_INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-nginx-'));
  const { port, confPath, errorLog } = await writeGatewayNginx(dir, opts);
  const readLog = () => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const child = spawn(bin, ['-e', errorLog, '-p', dir, '-c', confPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await acceptsConnections(port, child, STARTUP_MS);
  } catch (err) {
    const log = `${stderr}${readLog()}`;
    await stop();
    throw new Error(`nginx did not start: ${(err as Error).message}\n${log}`, { cause: err });
  }
  return { url: `http://127.0.0.1:${port}`, child, errorLog: readLog, stop };
}

/**
 * Writes nginx.conf into `dir`: the gateway's server block (gatewayConfig) with deploy/nginx's
 * snippets beside it, and a main file that keeps the pid, logs and temp files in `dir`.
 */
export async function writeGatewayNginx(
  dir: string,
  opts: GatewayNginxOptions,
): Promise<{ port: number; confPath: string; errorLog: string }> {
  const port = await freePort();
  const hostPort = (url: string) => new URL(url).host;
  const server = gatewayConfig({
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    TOKEN_BFF_PUBLIC: hostPort(opts.publicUrl),
    TOKEN_BFF_INTERNAL: hostPort(opts.internalUrl),
    LIKECOIN_API_URL: opts.likeCoinApiUrl,
    LIVELIKE_API_URL: opts.liveLikeApiUrl,
  });
  cpSync(join(DEPLOY, 'token-bff'), join(dir, 'token-bff'), { recursive: true });
  for (const sub of ['conf.d', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, sub));
  }
  writeFileSync(join(dir, 'conf.d/token-bff-gateway.conf'), server);
  const errorLog = join(dir, 'error.log');
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(
    confPath,
    `daemon off;
worker_processes ${opts.workers ?? 1};
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  # As bench/baselines/nginx.ts: connections are not closed after 1,000 requests.
  keepalive_requests 1000000;
  include conf.d/*.conf;
}
`,
  );
  return { port, confPath, errorLog };
}

/** Resolves when `port` accepts a connection; bounded in tries and time, and by nginx exiting. */
async function acceptsConnections(port: number, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (let attempt = 0; attempt < 500 && Date.now() < deadline; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    // nginx binds within milliseconds of starting; the next try waits for its next event tick.
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing accepts connections on ${port} after ${ms} ms`);
}
