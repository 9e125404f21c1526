import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The house's layers, lowest first: a module imports only from its own layer or those below.
// README's "Layout" states the same order; change both together.
const LAYERS: readonly (readonly string[])[] = [
  ['config'],
  ['store'],
  ['log'],
  ['http'],
  ['session'],
  ['ops', 'console', 'frontend'],
  // Tracing: names spans by ops' route labels, wraps the store.
  ['tracing'],
  ['proxy'],
  ['gateway'],
  ['oauth'],
  ['openapi'],
  // What a provider is (its descriptor, what it is built on and gives back), then the providers.
  ['area'],
  ['likecoin', 'livelike', 'oidc'],
  ['(top)'],
];
// A provider's folder is imported from outside only where the provider list is.
const PROVIDER_FOLDERS = ['likecoin', 'livelike', 'oidc'];
const PROVIDER_LIST_FILES = ['app.ts'];

const SRC = resolve(__dirname, '../../src');

interface Import {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import in src/, as paths relative to src/ (a folder import is its index). */
function imports(): Import[] {
  return sourceFiles(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)'/g)].map(
      ([, spec]) => {
        let target = resolve(dirname(file), spec!);
        if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
          target = join(target, 'index');
        }
        return { from: relative(SRC, file), to: `${relative(SRC, target)}.ts` };
      },
    ),
  );
}

const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : '(top)');
const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

const all = imports();

it('sees the imports it judges', () => {
  expect(all.length).toBeGreaterThan(200);
  for (const { to } of all) expect(statSync(join(SRC, to)).isFile()).toBe(true);
});

it('puts every folder of src/ in a layer', () => {
  const folders = new Set(sourceFiles(SRC).map((f) => folderOf(relative(SRC, f))));
  expect([...folders].filter((f) => layerOf(f) < 0)).toEqual([]);
});

it('has imports that only go down (or stay within their layer)', () => {
  const upward = all.filter(({ from, to }) => layerOf(folderOf(to)) > layerOf(folderOf(from)));
  expect(upward.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
});

it('has no two folders that import each other', () => {
  const edges = new Set(
    all
      .map(({ from, to }) => [folderOf(from), folderOf(to)] as const)
      .filter(([a, b]) => a !== b && a !== '(top)' && b !== '(top)')
      .map(([a, b]) => `${a}→${b}`),
  );
  const both = [...edges].filter((edge) => {
    const [a, b] = edge.split('→');
    return a! < b! && edges.has(`${b}→${a}`);
  });
  expect(both).toEqual([]);
});

it("imports a provider's folder only from the provider list", () => {
  const outside = all.filter(
    ({ from, to }) =>
      PROVIDER_FOLDERS.includes(folderOf(to)) &&
      folderOf(from) !== folderOf(to) &&
      !PROVIDER_LIST_FILES.includes(from),
  );
  expect(outside.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
});
