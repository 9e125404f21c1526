/** The issue's ratios from the targets' summaries, each with its target and whether it is met. */
import type { Ratio, TargetSummary } from './report';

export type Lookup = (id: string) => TargetSummary | undefined;

export function lookup(summaries: TargetSummary[]): Lookup {
  const byId = new Map(summaries.map((s) => [s.id, s]));
  return (id) => byId.get(id);
}

/** "X invalid, Y invalid" for the ids whose numbers can't be trusted; undefined when none. */
export const invalidOf = (get: Lookup, ...ids: string[]): string | undefined =>
  ids.flatMap((id) => (get(id)?.invalid.length ? [`${id} invalid`] : [])).join(', ') || undefined;

const fixed = (v: number | undefined, digits = 2) => (v === undefined ? '–' : v.toFixed(digits));

/** num's req/s ÷ den's: "at least `min`" when given, context otherwise. */
export function rpsRatio(
  get: Lookup,
  name: string,
  num: string,
  den: string,
  target: { min: number } | { context: string },
): Ratio {
  const n = get(num);
  const d = get(den);
  const value = n && d ? n.rps.median / d.rps.median : undefined;
  const note = invalidOf(get, num, den);
  if ('context' in target) {
    return { name, value, display: fixed(value), target: target.context, met: undefined, note };
  }
  const met = value === undefined || note ? false : value >= target.min;
  return { name, value, display: fixed(value), target: `≥ ${target.min}`, met, note };
}

function latencyGap(get: Lookup): Ratio {
  const s3 = get('S3@1')?.p50.median;
  const d = get('d@1')?.p50.median;
  const value = s3 !== undefined && d !== undefined ? s3 - d : undefined;
  const note = invalidOf(get, 'S3@1', 'd@1');
  return {
    name: 'S3 p50 − (d) direct p50, 1 connection',
    value,
    display: value === undefined ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(3)} ms`,
    target: '≤ +0.3 ms',
    met: value === undefined || note ? false : value <= 0.3,
    note,
  };
}

function nginxRatio(get: Lookup, hasNginx: boolean): Ratio {
  const name = 'S3 req/s ÷ (e) nginx proxy req/s';
  if (!hasNginx) {
    return {
      name,
      value: undefined,
      display: 'skipped',
      target: '≥ 0.15',
      met: undefined,
      note: 'no nginx binary',
    };
  }
  return rpsRatio(get, name, 'S3', 'e', { min: 0.15 });
}

// The targets of the hot-path issue: the service against the least the mandated stack must do.
const FLOOR = { min: 0.9 };

/** The ratios of the throughput and latency groups (S4's and S5's come with their outcomes). */
export function groupRatios(get: Lookup, hasNginx: boolean): Ratio[] {
  return [
    rpsRatio(get, 'S1 req/s ÷ (f) floor token req/s', 'S1', 'f', FLOOR),
    rpsRatio(get, 'S2 (bearer) req/s ÷ (f) floor token req/s', 'S2', 'f', FLOOR),
    rpsRatio(get, 'S1 req/s ÷ (b) bare Express req/s', 'S1', 'b', { context: '(context)' }),
    rpsRatio(get, 'S2 (bearer) req/s ÷ (b) bare Express req/s', 'S2', 'b', {
      context: '(context)',
    }),
    rpsRatio(get, 'S1T (tracing on) req/s ÷ S1 req/s', 'S1T', 'S1', {
      context: '(context: what tracing costs)',
    }),
    rpsRatio(get, '(c) naive req/s ÷ (b) bare Express req/s', 'c', 'b', {
      context: '(context: 0.34 in the issue)',
    }),
    nginxRatio(get, hasNginx),
    rpsRatio(get, 'S3 req/s ÷ (g) floor proxy req/s', 'S3', 'g', FLOOR),
    latencyGap(get),
  ];
}
