import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, spawnMain } from '../support/spawn-main';
import { appIdToken } from '../support/app-tokens';
import { BASE_ENV } from '../support/test-app';
import { freePort } from '../support/redis-server';

// TLS_CERT_FILE / TLS_KEY_FILE: the service speaks HTTPS itself, with a certificate made here.
let dir: string;
let cert: string;
let key: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'token-bff-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers,
          ca: readFileSync(cert),
          servername: 'localhost',
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

it('serves /healthz over https, and sets a Secure __Host- cookie', async () => {
  const port = await freePort();
  const child = spawnMain({
    ...BASE_ENV,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PUBLIC_BASE_URL: `https://localhost:${port}`,
    TLS_CERT_FILE: cert,
    TLS_KEY_FILE: key,
  });
  const out = collect(child.stdout);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${out.text}`)), 20_000);
      child.stdout.on('data', () => {
        if (out.text.includes('token-bff listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out.text).toMatch(/"https":true/);
    const health = await call(port, 'GET', '/healthz');
    expect(health.status).toBe(200);
    const login = await call(
      port,
      'POST',
      '/session',
      { 'Content-Type': 'application/json' },
      JSON.stringify({ id_token: appIdToken() }),
    );
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] as string[])[0]!;
    expect(cookie).toMatch(/^__Host-token-bff=s%3A/);
    expect(cookie).toMatch(/; Secure/);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const stubborn = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(stubborn);
  }
}, 40_000);
