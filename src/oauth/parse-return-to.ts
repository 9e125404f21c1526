import { DEFAULT_LIMITS } from '../config/limits';
import { problems } from '../http/problems';

const MAX_RETURN_TO_LENGTH = DEFAULT_LIMITS.returnToLength;
// Printable ASCII only: browsers strip tabs and newlines inside URLs, which is how
// "/\t/evil.example" turns into "//evil.example" after our check.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Where a login may send the browser back to. `allowed` holds http(s) origins (any path on
 * them) and exact URLs for other schemes (an app's `myapp://auth`). A path like `/account` is
 * taken relative to `base`. Anything else, or anything odd, is refused: never guessed at.
 */
export function parseReturnTo(raw: unknown, allowed: readonly string[], base: URL): URL {
  if (raw === undefined || raw === '') return new URL(base.href);
  const refuse = problems.invalidReturnTo;
  if (typeof raw !== 'string' || raw.length > MAX_RETURN_TO_LENGTH || !PRINTABLE_ASCII.test(raw)) {
    throw refuse(
      `return_to must be a URL of at most ${MAX_RETURN_TO_LENGTH} printable characters.`,
    );
  }
  // "//host" and "/\host" are relative to the scheme, not the path: browsers go to "host".
  const relative = raw.startsWith('/');
  if (relative && (raw[1] === '/' || raw[1] === '\\'))
    throw refuse('return_to is not an allowed URL.');
  let url: URL;
  try {
    url = relative ? new URL(raw, base) : new URL(raw);
  } catch {
    throw refuse('return_to is not a URL.');
  }
  if (url.username !== '' || url.password !== '')
    throw refuse('return_to must not carry credentials.');
  const isWeb = url.protocol === 'https:' || url.protocol === 'http:';
  const ok = isWeb ? allowed.includes(url.origin) : allowed.includes(url.href);
  if (!ok) throw refuse('return_to is not an allowed URL.');
  return url;
}

/** `url` with one more query parameter (the flow's outcome for the page it returns to). */
export function withParam(url: URL | string, name: string, value: string): string {
  const out = new URL(url);
  out.searchParams.set(name, value);
  return out.href;
}
