/** Baseline (a): bare node:http answering a token-shaped JSON (bench/baselines/bare-http.ts). */
import { pidsOf, startBaseline } from '../lib/baseline';
import { SETTINGS } from '../lib/settings';
import type { Target } from '../lib/targets';

export async function bareHttp(): Promise<Target> {
  const { child, port } = await startBaseline('(a) bare-http', 'bench/baselines/bare-http.ts');
  return {
    id: 'a',
    label: '(a) bare node:http',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${port}/livelike/token`,
    pids: pidsOf(child),
  };
}
