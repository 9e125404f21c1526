/** Baseline (e): nginx `proxy_pass` to (d), when the machine has an nginx binary. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/harness';
import { findNginx, nginxVersion, writeNginxConf } from '../baselines/nginx';
import {
  childPids,
  httpAnswers,
  onEmergencyExit,
  SERVER_CPU,
  startChild,
  waitUntil,
} from '../lib/procs';
import { log, SETTINGS } from '../lib/settings';
import type { Shared } from '../lib/shared';
import type { Target } from '../lib/targets';

export interface Nginx {
  target: Target;
  version: string;
  /** Removes the config dir (the process itself is stopped with every other child). */
  cleanup: () => void;
}

export async function nginxProxy(shared: Shared): Promise<Nginx | undefined> {
  const bin = findNginx();
  if (!bin) {
    log('bench: no nginx binary found: baseline (e) and the S3 ÷ nginx ratio are skipped');
    return undefined;
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'token-bff-bench-nginx-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  onEmergencyExit(cleanup);
  const port = await freePort();
  const conf = writeNginxConf(dir, port, shared.upstream.port);
  const e = startChild('(e) nginx', bin, ['-e', 'stderr', '-p', dir, '-c', conf], {
    cpu: SERVER_CPU,
    emergencySignal: 'SIGTERM',
  });
  const url = `http://127.0.0.1:${port}/api/users/profile`;
  await waitUntil(e, `answering on ${port}`, () => httpAnswers(url, 200));
  e.workers = childPids(e.pid);
  const nginxPids = () => [e.pid, ...childPids(e.pid)];
  const target: Target = {
    id: 'e',
    label: '(e) nginx → (d)',
    connections: SETTINGS.throughputConnections,
    url,
    pids: () => [...nginxPids(), shared.upstream.child.pid],
    rssPids: nginxPids,
  };
  return { target, version: nginxVersion(bin), cleanup };
}
