/**
 * Baseline (e): nginx `proxy_pass` in front of upstream (d), with a keep-alive upstream pool.
 * Not a server of its own: run.ts writes this config into a temp dir and starts the system's
 * nginx binary with it (skipped, with a note, when there is none).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The nginx binary: on PATH, or in the usual sbin dirs (not on a normal user's PATH). */
export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    const r = spawnSync(candidate, ['-v']);
    if (r.status === 0) return candidate;
  }
  return undefined;
}

export function nginxVersion(bin: string): string {
  // nginx prints its version on stderr.
  return spawnSync(bin, ['-v'])
    .stderr.toString()
    .trim()
    .replace(/^nginx version: /, '');
}

/** Writes `nginx.conf` into `dir` and returns its path. */
export function writeNginxConf(dir: string, listenPort: number, upstreamPort: number): string {
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const conf = `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
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
  # nginx closes a keep-alive connection after 1,000 requests by default (both sides). A run
  # sends thousands per connection, and a close racing the next request is a reset the load
  # generator counts as an error (which made (e) invalid): the connections stay open instead.
  keepalive_requests 1000000;
  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  if (!existsSync(path)) throw new Error(`could not write ${path}`);
  return path;
}
