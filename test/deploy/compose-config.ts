import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

const INSTALL_HINT =
  'docker-compose is needed to check docker-compose.yml: apt-get install docker-compose ' +
  "(Debian's Compose 1.29 validates without a Docker engine; bash .ci/run installs it).";

export interface ComposeService {
  environment?: Record<string, string | null>;
  command?: string[];
  healthcheck?: { test: string[] };
  secrets?: { source: string }[];
  ports?: unknown[];
  networks?: Record<string, unknown>;
  user?: string;
  /** Compose profiles: a service with one starts only when its profile is asked for. */
  profiles?: string[];
  image?: string;
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: unknown;
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

export interface ComposeRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `docker-compose config` on the repository's compose file, with `dotEnv` as its .env (never the
 * developer's own ./.env) and `shell` as the variables set in the shell. Bounded: 30 s.
 * `profiles` go before `config`: Compose 1.29's `config` has no --profile of its own (after it,
 * the flag prints config's usage and exits 0, having checked nothing).
 */
export function runComposeConfig(
  args: string[],
  dotEnv = '',
  shell: Record<string, string> = {},
  profiles: string[] = [],
): ComposeRun {
  const dir = mkdtempSync(join(tmpdir(), 'token-bff-compose-'));
  try {
    const envFile = join(dir, '.env');
    writeFileSync(envFile, dotEnv);
    const run = spawnSync(
      'docker-compose',
      [
        '--project-directory',
        ROOT,
        '-f',
        join(ROOT, 'docker-compose.yml'),
        '--env-file',
        envFile,
        ...profiles.flatMap((p) => ['--profile', p]),
      ].concat(['config'], args),
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: dir, ...shell },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(INSTALL_HINT);
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** composeModel()'s JSON with nothing set: the same file and inputs give the same model. */
let defaultModel: string | undefined;

/**
 * What compose would run, as a plain object: `docker-compose config`'s YAML read by the YAML
 * library docker-compose itself runs on (python3-yaml, a dependency of Debian's package).
 * With nothing set, compose runs once per test file; each caller gets its own copy.
 */
export function composeModel(dotEnv = '', shell: Record<string, string> = {}): ComposeModel {
  const nothingSet = dotEnv === '' && Object.keys(shell).length === 0;
  if (nothingSet && defaultModel !== undefined) return JSON.parse(defaultModel) as ComposeModel;
  const json = composeModelJson(dotEnv, shell);
  if (nothingSet) defaultModel = json;
  return JSON.parse(json) as ComposeModel;
}

function composeModelJson(dotEnv: string, shell: Record<string, string>): string {
  const run = runComposeConfig([], dotEnv, shell);
  if (run.status !== 0) throw new Error(`docker-compose config failed: ${run.stderr}`);
  const json = spawnSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: run.stdout, encoding: 'utf8', timeout: 10_000 },
  );
  if (json.status !== 0) throw new Error(`cannot read compose's YAML: ${json.stderr}`);
  return json.stdout;
}

/** The names in README's "Configuration" table (its first column). */
export function readmeSettings(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(
    section.indexOf('\n|'),
    section.indexOf('\n\n', section.indexOf('\n|')),
  );
  const rows = table
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2);
  return unique(rows.flatMap((row) => namesIn(row.split('|')[1] ?? '')));
}

/**
 * The variables .env.example lists (set or commented out), split into the service's settings
 * and those under its "docker compose only" heading.
 */
export function envExampleSettings(): { service: string[]; composeOnly: string[] } {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  const cut = text.indexOf('# ---- docker compose only');
  const names = (part: string) =>
    unique([...part.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
  return {
    service: names(cut === -1 ? text : text.slice(0, cut)),
    composeOnly: cut === -1 ? [] : names(text.slice(cut)),
  };
}

function namesIn(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
}

function unique(names: string[]): string[] {
  return [...new Set(names)].sort();
}
