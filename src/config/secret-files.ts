import { closeSync, openSync, readSync } from 'node:fs';

/** The secrets that may also come from a file (Docker / Kubernetes secrets): `<NAME>_FILE`. */
export const SECRETS_FROM_FILES = [
  'SESSION_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'APP_JWT_SECRET',
  'APP_OIDC_CLIENT_SECRET',
  'LIVELIKE_CLIENT_SECRET',
  'LIKECOIN_CLIENT_SECRET',
  'REDIS_PASSWORD',
  // The collector's API key, in the OpenTelemetry format (`authorization=Bearer%20…`).
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const;

/** Far above any secret; a path to a device or a log file must not stall start-up. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Reads at most `maxBytes` + 1 bytes of a file, so an oversized one is noticed, not slurped. */
export type ReadBounded = (path: string, maxBytes: number) => Buffer;

export interface SecretFilesResult {
  /** The environment with each `<NAME>_FILE`'s content as `<NAME>`. */
  env: Record<string, string | undefined>;
  problems: string[];
}

/**
 * Resolves every `<NAME>_FILE` of `names` (by default every secret) into `<NAME>`. The content
 * is the secret, with surrounding whitespace dropped (`echo secret > file` leaves a newline).
 * Setting both forms is refused, as is an unreadable, empty or oversized file; problems name the
 * variable and the path, never the content.
 */
export function resolveSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  read: ReadBounded = readBounded,
  names: readonly (typeof SECRETS_FROM_FILES)[number][] = SECRETS_FROM_FILES,
): SecretFilesResult {
  const out: Record<string, string | undefined> = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar]?.trim();
    if (!path) continue;
    if (env[name]?.trim()) {
      problems.push(`${fileVar}: set either ${name} or ${fileVar}, not both`);
      continue;
    }
    let content: Buffer;
    try {
      content = read(path, MAX_SECRET_FILE_BYTES);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      problems.push(`${fileVar}: cannot read ${path} (${code})`);
      continue;
    }
    const value = content.toString('utf8').trim();
    if (content.length > MAX_SECRET_FILE_BYTES) {
      problems.push(`${fileVar}: ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    } else if (value === '') {
      problems.push(`${fileVar}: ${path} is empty`);
    } else {
      out[name] = value;
    }
  }
  return { env: out, problems };
}

export function readBounded(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
