/** Starting a baseline server (bench/baselines/*.ts through tsx) pinned with the servers. */
import { freePort } from '../../test/support/harness';
import { SERVER_CPU, startNodeTs, tcpOpen, waitUntil, type Child } from './procs';

export interface Baseline {
  child: Child;
  port: number;
}

export async function startBaseline(
  name: string,
  file: string,
  extraEnv: Record<string, string> = {},
): Promise<Baseline> {
  const port = await freePort();
  const child = startNodeTs(name, file, [], {
    cpu: SERVER_CPU,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), ...extraEnv },
  });
  await waitUntil(child, `listening on ${port}`, () => tcpOpen(port));
  return { child, port };
}

/** The CPU/RSS sampler's view of a one-process server. */
export const pidsOf = (child: Child) => (): number[] => [child.pid];
