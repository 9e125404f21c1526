import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLIENT = path.resolve(__dirname, '../../client');
const TSC = require.resolve('typescript/bin/tsc');

// client/dist is committed so pages and bundlers need no build step; it must be exactly what
// client/src compiles to, or the served module is not the reviewed source.
it('client/dist is what client/src compiles to (run npm run build:client after editing it)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'client-build-'));
  try {
    execFileSync(process.execPath, [TSC, '-p', CLIENT, '--outDir', out], { stdio: 'pipe' });
    for (const file of ['token-bff-client.js', 'token-bff-client.d.ts']) {
      expect({ file, text: readFileSync(path.join(CLIENT, 'dist', file), 'utf8') }).toEqual({
        file,
        text: readFileSync(path.join(out, file), 'utf8'),
      });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('has no runtime dependencies and is an ES module', () => {
  const pkg = JSON.parse(readFileSync(path.join(CLIENT, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(pkg.type).toBeUndefined(); // dist/package.json says it: client/src stays TypeScript for jest
  expect(JSON.parse(readFileSync(path.join(CLIENT, 'dist', 'package.json'), 'utf8')).type).toBe(
    'module',
  );
  expect(pkg.dependencies).toBeUndefined();
  expect(readFileSync(path.join(CLIENT, 'dist', 'token-bff-client.js'), 'utf8')).not.toMatch(
    /\bimport\s|\brequire\(/,
  );
});
