import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { problems } from '../../src/http/problems';
import type { HttpProblem } from '../../src/http/http-problem';

// The catalogue and README's error table stay one list: a code added to either without the other
// fails here.
const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
const table = README.slice(README.indexOf('### Error codes'));
const documented = new Map(
  [...table.matchAll(/^\|\s+(\d{3}) \| `([a-z_<>]+)`/gm)].map((m) => [m[2]!, Number(m[1])]),
);

type Factory = (...args: unknown[]) => HttpProblem;
const PLACEHOLDER = { name: '<provider>', label: 'Provider' };
const catalogue = new Map(
  (Object.values(problems) as unknown as Factory[]).map((f) => {
    const p = f(PLACEHOLDER, 'do it', 1);
    return [p.code, p.status] as const;
  }),
);

it('README documents every code of the catalogue, with its status, and nothing else', () => {
  expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(catalogue));
});

it('writes each code once: no two factories answer with the same code', () => {
  expect(catalogue.size).toBe(Object.keys(problems).length);
});
