import type { Config } from '../config';
import type { RedisTopology } from '../config';

// What `token-bff doctor` may print of what it configured and what the world answered.

/** Scheme, host and path: never userinfo, never a query (a redirect's may carry a code). */
export function shown(url: URL): string {
  return printable(`${url.protocol}//${url.host}${url.pathname}`, 160);
}

/**
 * Someone else's text, safe on a terminal: anything but letters, marks, digits, punctuation,
 * symbols and plain spaces (escape sequences, bidi overrides, new lines) becomes `?`, and it is
 * cut at `max` characters.
 */
export function printable(text: string, max: number): string {
  const chars = Array.from(text.replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu, '?'));
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/**
 * A provider's error code, printed only when it is shaped like one: the provider's own reading
 * already refuses free text (which could echo what was sent), and the terminal gets no less.
 */
export function codeShaped(code: string | undefined): string | undefined {
  return code !== undefined && /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : undefined;
}

/** Where the store is, without its credentials. */
export function describeStore(topology: RedisTopology): string {
  switch (topology.kind) {
    case 'node': {
      const url = new URL(topology.url);
      return `redis ${url.hostname}:${url.port || '6379'}${url.protocol === 'rediss:' ? ' (TLS)' : ''}`;
    }
    case 'sentinel':
      return `redis sentinel master "${topology.name}" (${topology.sentinels.length} sentinel(s))`;
    case 'cluster':
      return `redis cluster (${topology.nodes.length} seed node(s))`;
  }
}

/**
 * Takes every configured secret out of a line, whatever put it there (a provider echoing the
 * form it was sent, a store error quoting its URL): the last guard, not the only one.
 */
export function scrubber(config: Config): (line: string) => string {
  const topology = config.redis.topology;
  const redisPassword =
    topology?.kind === 'node' ? new URL(topology.url).password : topology?.password;
  const secrets = [
    config.likecoin.credentials?.clientSecret,
    config.livelike.credentials?.clientSecret,
    config.appJwt?.secret,
    ...config.session.secrets,
    ...config.tokenEncryptionKeys.map((k) => Buffer.from(k).toString('base64').replace(/=+$/, '')),
    redisPassword,
    redisPassword && safeDecode(redisPassword),
  ]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .sort((a, b) => b.length - a.length);
  return (line) => secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), line);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
