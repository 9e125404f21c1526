/** Gateway mode's ratios (S6 beside (h), (e) and S3, at 1 KB and 64 KB), from the summaries. */
import { invalidOf, rpsRatio, type Lookup } from './ratios';
import type { Ratio } from './report';

const CONTEXT = { context: '(context)' };

function latencyOver(get: Lookup, num: string, den: string): Ratio {
  const a = get(num)?.p50.median;
  const b = get(den)?.p50.median;
  const value = a !== undefined && b !== undefined ? a - b : undefined;
  return {
    name: `${num} p50 − (d) direct p50, 1 connection`,
    value,
    display: value === undefined ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(3)} ms`,
    target: '(context)',
    met: undefined,
    note: invalidOf(get, num, den),
  };
}

export function gatewayRatios(get: Lookup, hasGateway: boolean): Ratio[] {
  if (!hasGateway) {
    return [
      {
        name: 'S6 req/s ÷ (h) gateway floor req/s',
        value: undefined,
        display: 'skipped',
        target: '≥ 0.8',
        met: undefined,
        note: 'no nginx binary',
      },
    ];
  }
  return [
    rpsRatio(get, 'S6 req/s ÷ (h) gateway floor req/s, 1 KB', 'S6', 'h', { min: 0.8 }),
    rpsRatio(get, 'S6 req/s ÷ S3 in-process proxy req/s, 1 KB', 'S6', 'S3', { min: 1.5 }),
    rpsRatio(get, 'S6 req/s ÷ (e) nginx alone req/s, 1 KB', 'S6', 'e', CONTEXT),
    rpsRatio(get, 'S6 req/s ÷ (e) nginx alone req/s, 64 KB', 'S6-64k', 'e-64k', CONTEXT),
    rpsRatio(get, 'S6 req/s ÷ (h) gateway floor req/s, 64 KB', 'S6-64k', 'h-64k', CONTEXT),
    rpsRatio(get, 'S6 req/s ÷ S3 in-process proxy req/s, 64 KB', 'S6-64k', 'S3-64k', CONTEXT),
    rpsRatio(get, '(h) req/s ÷ (e) req/s, 1 KB', 'h', 'e', CONTEXT),
    rpsRatio(get, '(h) req/s ÷ (e) req/s, 64 KB', 'h-64k', 'e-64k', CONTEXT),
    rpsRatio(get, '(h) req/s ÷ (g) floor proxy req/s, 1 KB', 'h', 'g', CONTEXT),
    latencyOver(get, 'S6@1', 'd@1'),
  ];
}
