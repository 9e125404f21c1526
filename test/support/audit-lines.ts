import type { LogCapture } from '../support/log-capture';

/** One audit line as an operator's `jq 'select(.audit)'` would see it. */
export type AuditLine = Record<string, unknown> & { event: string };

/** The audit lines captured so far (each marked `"audit": true`). */
export function auditLines(logs: LogCapture, event?: string): AuditLine[] {
  return logs
    .entries()
    .filter((e): e is AuditLine => e.audit === true && (event === undefined || e.event === event));
}

/** The audit lines written since `mark` (a count of lines captured before). */
export function auditSince(logs: LogCapture, mark: number, event?: string): AuditLine[] {
  return auditLines(logs, event).slice(mark);
}

/**
 * The fields an operator routes and filters on, without the timestamp: what a test compares.
 * `level` and `service` are checked once, here, for every line.
 */
export function fieldsOf(line: AuditLine): Record<string, unknown> {
  const { time, level, service, msg, ...rest } = line;
  if (level !== 30 || service !== 'token-bff' || msg !== line.event || typeof time !== 'string') {
    throw new Error(`not an audit line as the service writes one: ${JSON.stringify(line)}`);
  }
  return rest;
}

/**
 * Every known secret that shows up in the audit lines (none should): each secret is also
 * looked for in its URL-encoded and signed-cookie forms.
 */
export function secretsIn(lines: AuditLine[] | string, secrets: readonly string[]): string[] {
  const text = typeof lines === 'string' ? lines : lines.map((l) => JSON.stringify(l)).join('\n');
  return secrets
    .filter((s) => s.length >= 8)
    .flatMap((s) => [s, encodeURIComponent(s)])
    .filter((s) => text.includes(s));
}

/** The session id inside a "name=s%3A<id>.<sig>" cookie or a "<id>.<sig>" bearer token. */
export function sessionIdOf(credential: string): string {
  const signed = decodeURIComponent(
    credential.includes('=') ? credential.split('=')[1]! : credential,
  );
  return signed.replace(/^s:/, '').split('.')[0]!;
}
