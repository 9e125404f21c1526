/** Baseline (b): Express 5 with its defaults, one route (bench/baselines/bare-express.ts). */
import { pidsOf, startBaseline } from '../lib/baseline';
import { SETTINGS } from '../lib/settings';
import type { Target } from '../lib/targets';

export async function bareExpress(): Promise<Target> {
  const { child, port } = await startBaseline(
    '(b) bare-express',
    'bench/baselines/bare-express.ts',
  );
  return {
    id: 'b',
    label: '(b) bare Express 5',
    connections: SETTINGS.throughputConnections,
    url: `http://127.0.0.1:${port}/livelike/token`,
    pids: pidsOf(child),
  };
}
