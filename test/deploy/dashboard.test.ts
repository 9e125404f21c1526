import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import request from 'supertest';
import {
  asLiker,
  connectedApp,
  connectedBrowser,
  connectedWithExpiredToken,
  startWithLikeCoin,
  type LikeCoinSetup,
} from '../support/likecoin-flow';
import { login } from '../support/login';
import { ROOT } from './compose-config';

// Issue 25, part 3: every query of deploy/grafana/token-bff.json names only series a running
// token-bff exports, with labels those series carry. The queries are parsed with Prometheus's
// own PromQL grammar (@prometheus-io/lezer-promql); the series come from GET /metrics of the
// service after a little of every kind of traffic.

interface Target {
  expr: string;
  datasource?: { uid?: string };
}
interface Panel {
  title?: string;
  type: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/token-bff.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

// Grafana's own variables, as it substitutes them before Prometheus sees the query.
const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '1m', $__interval: '15s' };

/** Every selector of `expr`: its metric name and the label names it matches on. */
function selectorsOf(expr: string): { name: string; labels: string[] }[] {
  let promql = expr;
  for (const [name, value] of Object.entries(GRAFANA_VARIABLES))
    promql = promql.replaceAll(name, value);
  if (promql.includes('$')) throw new Error(`an unknown Grafana variable in: ${expr}`);
  const found: { name: string; labels: string[]; to: number }[] = [];
  const errors: number[] = [];
  // Depth first: a selector is entered before the label matchers inside it.
  parser.parse(promql).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (!name) throw new Error(`a selector without a metric name in: ${expr}`);
        found.push({ name: promql.slice(name.from, name.to), labels: [], to: node.to });
      } else if (node.name === 'LabelName' && /LabelMatcher$/.test(node.node.parent?.name ?? '')) {
        const selector = found.at(-1);
        if (selector && node.from < selector.to)
          selector.labels.push(promql.slice(node.from, node.to));
      }
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors.join(', ')}: ${expr}`);
  return found.map(({ name, labels }) => ({ name, labels }));
}

/** Series name → the label names its samples carry, from Prometheus's text format. */
function exported(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const labels = series.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="/g)) labels.add(l[1]!);
    series.set(m[1]!, labels);
  }
  return series;
}

describe('the dashboard file', () => {
  it('has queries, each on the provisioned datasource', () => {
    const provisioned = readFileSync(
      join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'),
      'utf8',
    );
    const uid = /uid: (\S+)/.exec(provisioned)![1];
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const { panel, target } of queries) {
      expect([panel.title, panel.datasource?.uid, target.datasource?.uid]).toEqual([
        panel.title,
        uid,
        uid,
      ]);
    }
    expect(dashboard.uid).toBe('token-bff');
  });

  it('tells a query with a syntax error or an unknown variable', () => {
    expect(() => selectorsOf('sum(rate(x_total[5m])')).toThrow(/syntax error/);
    expect(() => selectorsOf('rate(x_total[$__range_ms])')).toThrow(/unknown Grafana variable/);
    expect(selectorsOf('sum by (a) (rate(x_total{b="1", c=~"2"}[$__rate_interval])) / y')).toEqual([
      { name: 'x_total', labels: ['b', 'c'] },
      { name: 'y', labels: [] },
    ]);
  });
});

describe('against a running token-bff', () => {
  let s: LikeCoinSetup;
  let series: Map<string, Set<string>>;
  beforeAll(async () => {
    s = await startWithLikeCoin({ RATE_LIMIT_LOGIN_PER_IP: '3' });
    // A little of everything the dashboard shows: logins (and a 429), a LiveLike token, a
    // session ended, a grant connected then replaced, a refresh that other callers wait for.
    const app = await login(s.t, { sub: 'dashboard-user' });
    await request(s.t.url)
      .get('/livelike/token')
      .set('Authorization', `Bearer ${app.sessionToken}`)
      .expect(200);
    await request(s.t.url)
      .delete('/session')
      .set('Authorization', `Bearer ${app.sessionToken}`)
      .expect(204);
    asLiker(s.provider, 'dashboard-liker');
    await connectedBrowser(s);
    await connectedApp(s, 'dashboard-app-user');
    asLiker(s.provider, 'dashboard-expired-liker');
    const expired = await connectedWithExpiredToken(s);
    const calls = Array.from({ length: 5 }, () =>
      request(s.t.url).get('/likecoin/api/users/profile').set('Cookie', expired).set('X-CSRF', '1'),
    );
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual(Array(5).fill(200));
    let refused = 0;
    for (let i = 0; i < 5 && refused === 0; i++) {
      const res = await request(s.t.url).post('/session').send({ id_token: 'x' });
      if (res.status === 429) refused++;
    }
    expect(refused).toBe(1);
    series = exported((await request(s.t.url).get('/metrics').expect(200)).text);
  });
  afterAll(() => s.close());

  it.each(queries.map((q) => [q.panel.title!, q.target.expr]))(
    '%s: %s names only exported series and labels',
    (_title, expr) => {
      for (const { name, labels } of selectorsOf(expr)) {
        expect([name, series.has(name)]).toEqual([name, true]);
        const carried = series.get(name)!;
        expect(labels.filter((l) => !carried.has(l))).toEqual([]);
      }
    },
  );

  it('sees the traffic it drove (so a missing series means a wrong name, not a quiet run)', () => {
    for (const name of [
      'oauth_refresh_waits_total',
      'oauth_grants_replaced_total',
      'sessions_ended_total',
      'store_operation_duration_seconds_bucket',
    ]) {
      expect([name, series.has(name)]).toEqual([name, true]);
    }
  });
});
