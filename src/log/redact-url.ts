// Query parameters whose values are safe to log; every other value is replaced.
const LOGGABLE_PARAMS = new Set(['scope', 'error']);

/** The URL with every query value outside a small allow-list replaced, for logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return LOGGABLE_PARAMS.has(name) || eq === -1 ? pair : `${name}=[Redacted]`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}
