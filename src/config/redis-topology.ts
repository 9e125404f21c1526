export interface RedisAddress {
  host: string;
  port: number;
}

/** Where the store lives: one node, a Sentinel-managed master, or a Cluster. */
export type RedisTopology =
  | { kind: 'node'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisAddress[];
      name: string;
      username?: string;
      password?: string;
      tls: boolean;
    }
  | {
      kind: 'cluster';
      nodes: RedisAddress[];
      username?: string;
      password?: string;
      tls: boolean;
    };

export interface RedisTopologyEnv {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS?: string | undefined;
}

/** `topology` is undefined when no Redis is configured (the embedded store). */
export type RedisTopologyResult =
  | {
      ok: true;
      topology: RedisTopology | undefined;
      /** Variables that were set but have no Redis to apply to (the embedded store). */
      unused?: string[];
    }
  | { ok: false; problems: string[] };

const SEED = /^(?:(rediss?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[^\s:/@[\]]+):([^/]*)\/?$/;

/**
 * Reads the Redis settings, one line per problem naming the variable. Values never appear in a
 * problem when they could carry a secret.
 */
export function parseRedisTopology(env: RedisTopologyEnv): RedisTopologyResult {
  const v = (name: keyof RedisTopologyEnv) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const set = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter((n) =>
    v(n),
  );
  if (set.length > 1)
    return {
      ok: false,
      problems: [`${set.join(', ')}: set only one Redis topology (one node, Sentinel or Cluster)`],
    };

  const problems: string[] = [];
  const username = v('REDIS_USERNAME');
  const password = v('REDIS_PASSWORD');
  const tlsRaw = v('REDIS_TLS');
  const url = v('REDIS_URL');
  const sentinels = v('REDIS_SENTINELS');
  const name = v('REDIS_SENTINEL_NAME');
  const cluster = v('REDIS_CLUSTER_NODES');

  if (name && !sentinels) problems.push('REDIS_SENTINEL_NAME: only used with REDIS_SENTINELS');
  if (tlsRaw && !['true', 'false', '1', '0'].includes(tlsRaw))
    problems.push('REDIS_TLS: must be true or false');

  if (!sentinels && !cluster) {
    if (tlsRaw)
      problems.push(
        'REDIS_TLS: only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES' +
          (url ? ' (REDIS_URL says it with rediss://)' : ''),
      );
    if (username && !password) problems.push('REDIS_USERNAME: needs REDIS_PASSWORD');
    if (url && !isRedisUrl(url)) problems.push('REDIS_URL: must be a redis:// or rediss:// URL');
    if (problems.length > 0) return { ok: false, problems };
    if (!url) {
      // One .env can serve compose (whose Redis wants a password) and `npm run dev` (embedded
      // store): a password with no Redis to give it to is worth a line, not a refusal.
      const unused = (['REDIS_USERNAME', 'REDIS_PASSWORD'] as const).filter((n) => v(n));
      return { ok: true, topology: undefined, ...(unused.length > 0 && { unused }) };
    }
    return withCredentials(url, username, password);
  }

  if (username && !password) problems.push('REDIS_USERNAME: needs REDIS_PASSWORD');
  const variable = sentinels ? 'REDIS_SENTINELS' : 'REDIS_CLUSTER_NODES';
  const seeds = parseSeeds(variable, (sentinels ?? cluster)!, problems);
  if (sentinels && !name) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
  const tlsFlag = tlsRaw === 'true' || tlsRaw === '1';
  if (seeds.tls && tlsRaw && !tlsFlag)
    problems.push(`REDIS_TLS: false, but ${variable} lists rediss:// seeds`);
  if (problems.length > 0) return { ok: false, problems };

  const auth = { ...(username && { username }), ...(password && { password }) };
  const tls = tlsFlag || seeds.tls;
  return {
    ok: true,
    topology: sentinels
      ? { kind: 'sentinel', sentinels: seeds.addresses, name: name!, ...auth, tls }
      : { kind: 'cluster', nodes: seeds.addresses, ...auth, tls },
  };
}

function parseSeeds(variable: string, list: string, problems: string[]) {
  const addresses: RedisAddress[] = [];
  const schemes = new Set<string>();
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) problems.push(`${variable}: lists no host:port`);
  entries.forEach((entry, i) => {
    const where = `${variable} entry ${i + 1}`;
    if (entry.includes('@')) {
      problems.push(`${where}: put credentials in REDIS_USERNAME/REDIS_PASSWORD, not in the list`);
      return;
    }
    const m = SEED.exec(entry);
    if (!m) {
      problems.push(`${where} (${entry}): expected host:port or redis://host:port`);
      return;
    }
    const [, scheme, host, portText] = m as unknown as [string, string | undefined, string, string];
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      problems.push(`${where} (${entry}): port must be a number from 1 to 65535`);
      return;
    }
    schemes.add(scheme ?? 'plain');
    addresses.push({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
  });
  if (schemes.has('rediss') && schemes.size > 1)
    problems.push(`${variable}: mixes rediss:// with plain seeds`);
  return { addresses, tls: schemes.has('rediss') };
}

/**
 * REDIS_URL with REDIS_USERNAME / REDIS_PASSWORD (or their _FILE forms) as its credentials, so a
 * password can come from a secret file instead of sitting in the URL. Two sources for one
 * credential are refused rather than one of them silently ignored.
 */
function withCredentials(
  raw: string,
  username: string | undefined,
  password: string | undefined,
): RedisTopologyResult {
  if (!password) return { ok: true, topology: { kind: 'node', url: raw } };
  const url = new URL(raw);
  if (url.password || url.username)
    return {
      ok: false,
      problems: [
        'REDIS_PASSWORD: REDIS_URL carries credentials of its own; set them in one place only',
      ],
    };
  url.username = encodeURIComponent(username ?? '');
  url.password = encodeURIComponent(password);
  return { ok: true, topology: { kind: 'node', url: url.href } };
}

function isRedisUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}
