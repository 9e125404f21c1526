import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// bench/ reaches the test harness through one module only (test/support/harness.ts).
const ROOT = resolve(__dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

it('imports from test/ only through test/support/harness.ts', () => {
  const seen: string[] = [];
  const stray: string[] = [];
  for (const file of files(join(ROOT, 'bench'))) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '([^']*\/test\/[^']*)'/g)) {
      seen.push(spec!);
      if (!spec!.endsWith('/test/support/harness')) stray.push(`${relative(ROOT, file)}: ${spec}`);
    }
  }
  expect(seen.length).toBeGreaterThan(0);
  expect(stray).toEqual([]);
});
