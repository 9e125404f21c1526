import { Cluster, type Redis } from 'ioredis';

/**
 * Every key matching `match`, by SCAN (never KEYS, which blocks the server): on each master of
 * a cluster, since a SCAN sees one node only. The client's keyPrefix is not applied to a
 * pattern, so `match` names full keys, and full keys come back.
 */
export async function scanKeys(
  client: Redis | Cluster,
  match: string,
  count = 500,
): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const perNode = await Promise.all(nodes.map((node) => scanNode(node, match, count)));
  return [...new Set(perNode.flat())];
}

async function scanNode(node: Redis, match: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** `value` as a MATCH pattern that matches itself only (a prefix may hold `*`, `?`, `[`). */
export function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}
