/**
 * What in an HTML document a CSP without 'unsafe-inline' would block: inline <script> and
 * <style> content, style attributes, on* event handlers and javascript: URLs. A scanner, not
 * a full parser, sized for the console's own small, hand-written page.
 */
export function inlineContentOf(html: string): string[] {
  const found: string[] = [];
  const text = html.replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  const attribute = /([^\s=/"'>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g;
  for (const m of text.matchAll(tag)) {
    const name = (m[1] ?? '').toLowerCase();
    const attrs = new Map<string, string>();
    for (const a of (m[2] ?? '').matchAll(attribute)) {
      attrs.set((a[1] ?? '').toLowerCase(), (a[2] ?? '').replace(/^["']|["']$/g, ''));
    }
    if (name === 'style') found.push('<style> element');
    if (name === 'script') {
      if (!attrs.has('src')) found.push('<script> without src');
      const end = text.toLowerCase().indexOf('</script>', (m.index ?? 0) + m[0].length);
      const body = end < 0 ? '' : text.slice((m.index ?? 0) + m[0].length, end);
      if (body.trim() !== '') found.push('<script> with inline content');
    }
    for (const [attr, value] of attrs) {
      if (attr === 'style') found.push(`style attribute on <${name}>`);
      if (attr.startsWith('on')) found.push(`${attr} handler on <${name}>`);
      if (/^\s*javascript:/i.test(value)) found.push(`javascript: URL in ${attr} on <${name}>`);
    }
  }
  return found;
}
