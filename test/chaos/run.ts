import { redisPaused } from './redis-pause';
import type { ScenarioResult } from './scenario';
import { sentinelFailover } from './sentinel-failover';
import { sigtermUnderLoad } from './sigterm';
import { slowTokenEndpoint } from './slow-token-endpoint';

// npm run chaos: each scenario against the built service (node dist/main.js) on loopback,
// bounded; exits 1 when a rule is broken, 2 when the whole run overstays its budget.
const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = {
  'redis-pause': redisPaused,
  'slow-token-endpoint': slowTokenEndpoint,
  sigterm: sigtermUnderLoad,
  'sentinel-failover': sentinelFailover,
};
const BUDGET_MS = 180_000;

async function main(): Promise<number> {
  const only = process.env.CHAOS_SCENARIOS?.split(',').filter(Boolean);
  const chosen = Object.entries(SCENARIOS).filter(([name]) => !only || only.includes(name));
  let broken = 0;
  for (const [name, run] of chosen) {
    const started = Date.now();
    let result: ScenarioResult;
    try {
      result = await run();
    } catch (err) {
      result = { name, figures: [], violations: [`did not run: ${(err as Error).message}`] };
    }
    const took = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`\n${result.violations.length ? 'FAIL' : 'ok  '} ${result.name} (${took} s)`);
    for (const line of result.figures) console.log(`     ${line}`);
    for (const line of result.violations) console.log(`     broken: ${line}`);
    broken += result.violations.length;
  }
  console.log(`\nchaos: ${chosen.length} scenarios, ${broken} broken rules`);
  return broken === 0 ? 0 : 1;
}

const budget = setTimeout(() => {
  console.error(`chaos: over its ${BUDGET_MS / 1000} s budget; stopping`);
  process.exit(2);
}, BUDGET_MS);
budget.unref();
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
