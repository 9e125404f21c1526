import { problems } from '../http/problems';

/** The scopes a flow asks for: a subset of the configured ones (all of them by default). */
export function parseScopes(raw: unknown, configured: readonly string[]): string[] {
  if (raw === undefined || raw === '') return [...configured];
  if (typeof raw !== 'string' || raw.length > 1024) {
    throw problems.invalidScope('scope must be a space-separated list.');
  }
  const asked = [...new Set(raw.split(' ').filter(Boolean))];
  const unknown = asked.filter((s) => !configured.includes(s));
  if (asked.length === 0 || unknown.length > 0) {
    throw problems.invalidScope(`Only these scopes may be asked for: ${configured.join(' ')}.`);
  }
  return asked;
}
