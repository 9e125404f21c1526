import type { Spread } from './stats';

export interface TargetSummary {
  id: string;
  label: string;
  connections: number;
  rounds: number;
  rps: Spread;
  p50: Spread;
  p99: Spread;
  serverCpuPct: number | undefined;
  loadCpuPct: number;
  rssMiB: number | undefined;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Why the numbers can't be trusted (non-2xx answers, errors); empty when valid. */
  invalid: string[];
}

export interface Ratio {
  name: string;
  value: number | undefined;
  display: string;
  target: string;
  /** true/false when there is a target; undefined for context lines and skipped ratios. */
  met: boolean | undefined;
  note?: string;
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 3 : 1) : '–');
const pct = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : `${n.toFixed(0)}%`;

function row(t: TargetSummary): string[] {
  const range = t.rounds > 1 ? ` (${int(t.rps.min)}–${int(t.rps.max)})` : '';
  return [
    t.label,
    String(t.connections),
    `${int(t.rps.median)}${range}`,
    ms(t.p50.median),
    ms(t.p99.median),
    pct(t.serverCpuPct),
    pct(t.loadCpuPct),
    t.rssMiB === undefined ? '–' : t.rssMiB.toFixed(0),
    t.invalid.length ? `INVALID: ${t.invalid.join('; ')}` : 'ok',
  ];
}

const TARGET_HEAD = [
  'target',
  'conns',
  'req/s median (min–max)',
  'p50 ms',
  'p99 ms',
  'server CPU',
  'load CPU',
  'RSS MiB',
  'valid',
];
const RATIO_HEAD = ['ratio', 'measured', 'target', 'met'];

const metText = (r: Ratio) => (r.met === undefined ? '–' : r.met ? 'yes' : 'NO');
function ratioRow(r: Ratio): string[] {
  return [r.name, r.display + (r.note ? ` (${r.note})` : ''), r.target, metText(r)];
}

function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable(head: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function targetsText(targets: TargetSummary[]): string {
  return textTable(TARGET_HEAD, targets.map(row));
}
export function ratiosText(ratios: Ratio[]): string {
  return textTable(RATIO_HEAD, ratios.map(ratioRow));
}
export function targetsMd(targets: TargetSummary[]): string {
  return mdTable(TARGET_HEAD, targets.map(row));
}
export function ratiosMd(ratios: Ratio[]): string {
  return mdTable(RATIO_HEAD, ratios.map(ratioRow));
}
