/**
 * nginx in gateway mode for S6 and (h): deploy/nginx's own configuration (the template the
 * tests use, test/support/nginx.ts), in a temp dir, pinned with the servers like (e)'s nginx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { findNginx, writeGatewayNginx, type GatewayNginxOptions } from '../../test/support/harness';
import { childPids, onEmergencyExit, SERVER_CPU, startChild, tcpOpen, waitUntil } from './procs';

export interface GatewayNginxChild {
  url: string;
  /** nginx's master and workers. */
  pids: () => number[];
  cleanup: () => void;
}

export async function startGatewayNginxChild(
  name: string,
  opts: GatewayNginxOptions,
): Promise<GatewayNginxChild | undefined> {
  const bin = findNginx();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(os.tmpdir(), 'token-bff-bench-gateway-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  onEmergencyExit(cleanup);
  const { port, confPath, errorLog } = await writeGatewayNginx(dir, opts);
  const child = startChild(name, bin, ['-e', errorLog, '-p', dir, '-c', confPath], {
    cpu: SERVER_CPU,
    emergencySignal: 'SIGTERM',
  });
  await waitUntil(child, `listening on ${port}`, () => tcpOpen(port));
  return {
    url: `http://127.0.0.1:${port}`,
    pids: () => [child.pid, ...childPids(child.pid)],
    cleanup,
  };
}
