import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { login } from '../support/login';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { startTestApp, type TestApp } from '../support/test-app';

// What an integrator does with GET /openapi.json: openapi-typescript turns the served document
// into types, and a program calls the proxy through openapi-fetch with them. The program is
// type-checked against those types (a generated client that does not compile does not work),
// then run against the service and a recording upstream. The types are generated here, from
// the running service, never checked in: a copy would go stale with every endpoint anyone adds.

const ROOT = path.resolve(__dirname, '..', '..');
const OPENAPI_TYPESCRIPT = path.join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const CHILD_MS = 30_000;

// The integrator's program. openapi-fetch percent-encodes each path parameter, so every "/" of
// {path} arrives as %2F.
const CLIENT_PROGRAM = `
import createClient from 'openapi-fetch';
import type { paths } from './token-bff-api';

const client = createClient<paths>({
  baseUrl: process.env.BFF_URL,
  headers: { Authorization: \`Bearer \${process.env.BFF_SESSION_TOKEN}\` },
});

async function main(): Promise<void> {
  const profile = await client.GET('/livelike/api/{path}', {
    params: { path: { path: 'applications/demo-app/profile/' } },
  });
  const vote = await client.POST('/livelike/api/{path}', {
    params: { path: { path: 'widgets/w-1/votes' } },
    body: { option: 'a' },
  });
  // Encoded, these are ..%2F..%2Fadmin and a%252F..%252Fadmin: a way out, and a double encoding.
  const escape = await client.GET('/livelike/api/{path}', {
    params: { path: { path: '../../admin' } },
  });
  const doubled = await client.GET('/livelike/api/{path}', {
    params: { path: { path: 'a%2F..%2Fadmin' } },
  });
  const seen = (r: { response: Response; data?: unknown; error?: unknown }) => ({
    status: r.response.status,
    data: r.data,
    error: r.error,
  });
  console.log(JSON.stringify({
    profile: seen(profile),
    vote: seen(vote),
    escape: seen(escape),
    doubled: seen(doubled),
  }));
}

// Never called: proof that the types are the document's, not "any".
export function typesAreReal(): void {
  // @ts-expect-error the document has no such path
  void client.GET('/livelike/apis/{path}', { params: { path: { path: 'x' } } });
  // @ts-expect-error {path} is required
  void client.GET('/livelike/api/{path}', {});
}

void main();
`;

function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: CHILD_MS, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** The compiler's complaints about `file`, as the repo's own settings would judge it. */
function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

let upstream: RecordingUpstream;
let t: TestApp;
let sessionToken: string;
let dir: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  t = await startTestApp({ env: { LIVELIKE_API_URL: upstream.apiUrl } });
  sessionToken = (await login(t, { sub: 'generated-client-user' })).sessionToken;
  // Inside the repo, so the program finds openapi-fetch in its node_modules.
  mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, 'test-output', 'openapi-client-'));
  const types = await run([OPENAPI_TYPESCRIPT, `${t.url}/openapi.json`]);
  writeFileSync(path.join(dir, 'token-bff-api.ts'), types);
  writeFileSync(path.join(dir, 'client.ts'), CLIENT_PROGRAM);
}, 60_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await t?.close();
  await upstream?.close();
});

it('the program type-checks against the types generated from the served document', () => {
  expect(typeErrors(path.join(dir, 'client.ts'))).toEqual([]);
}, 60_000);

it('the generated client reaches the upstream path, and a way out or a double encoding is still refused', async () => {
  const js = ts.transpileModule(CLIENT_PROGRAM, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2023,
      esModuleInterop: true,
    },
  }).outputText;
  writeFileSync(path.join(dir, 'client.cjs'), js);
  const before = upstream.calls.length;

  const out = JSON.parse(
    await run([path.join(dir, 'client.cjs')], {
      BFF_URL: t.url,
      BFF_SESSION_TOKEN: sessionToken,
    }),
  );

  expect(out.profile).toEqual({ status: 200, data: { ok: true } });
  expect(out.vote).toEqual({ status: 200, data: { ok: true } });
  for (const refused of [out.escape, out.doubled]) {
    expect(refused).toMatchObject({ status: 400, error: { code: 'invalid_path' } });
  }
  const calls = upstream.calls.slice(before);
  expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
    'GET /api/applications/demo-app/profile/',
    'POST /api/widgets/w-1/votes',
  ]);
  expect(JSON.parse(calls[1]!.body.toString())).toEqual({ option: 'a' });
  // The upstream got a LiveLike profile token, never the client's session token.
  for (const call of calls) {
    expect(call.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(call.headers.authorization).not.toContain(sessionToken);
  }
}, 60_000);
