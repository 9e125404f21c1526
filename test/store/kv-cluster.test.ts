import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { StoreUnavailableError } from '../../src/store/kv';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisKv } from '../../src/store/redis-kv';
import { scanKeys } from '../../src/store/scan-keys';
import { describeKvContract } from '../support/kv-contract';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';

let cluster: RedisCluster;
const open: RedisKv[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 20_000);
afterAll(async () => {
  await Promise.all(open.map((kv) => kv.close()));
  await cluster.stop();
});

async function clusterKv(keyPrefix = `test:kv:${randomBytes(4).toString('hex')}:`) {
  const client = createRedisClient(
    { kind: 'cluster', nodes: cluster.nodes, tls: false },
    { keyPrefix, commandTimeoutMs: 1000, connectTimeoutMs: 1000 },
  );
  await once(client, 'ready');
  return { kv: new RedisKv(client), client: client as Cluster, keyPrefix };
}

describeKvContract('cluster', async () => (await clusterKv()).kv);

describe('on a cluster', () => {
  let kv: RedisKv;
  let client: Cluster;
  let keyPrefix: string;
  beforeAll(async () => {
    ({ kv, client, keyPrefix } = await clusterKv());
    open.push(kv);
  });

  const slotOf = async (key: string) => Number(await client.cluster('KEYSLOT', keyPrefix + key));
  const masterPorts = () => client.nodes('master').map((n) => n.options.port);

  // Keys spread over every master: enough of them that each master holds some.
  const spread = Array.from({ length: 30 }, (_, i) => `spread-${i}`);

  it('really has three masters, and the keys below land on all of them', async () => {
    expect(masterPorts().sort()).toEqual(cluster.nodes.map((n) => n.port).sort());
    const owners = new Set<number | undefined>();
    const slots = await client.cluster('SLOTS');
    for (const key of spread) {
      const slot = await slotOf(key);
      const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
      owners.add(range[2]![1]);
    }
    expect(owners.size).toBe(3);
  });

  it('deletes keys of different slots in one call', async () => {
    for (const key of spread) await kv.set(key, 'v', 10_000);
    expect(new Set(await Promise.all(spread.map(slotOf))).size).toBeGreaterThan(1);
    await kv.del(...spread, 'never-there');
    expect(await Promise.all(spread.map((k) => kv.get(k)))).toEqual(spread.map(() => null));
  });

  it('finds keys on every master by SCAN, under the full prefix', async () => {
    for (const key of spread) await kv.set(key, 'v', 10_000);
    const found = await scanKeys(client, `${keyPrefix}spread-*`);
    expect(found.sort()).toEqual(spread.map((k) => keyPrefix + k).sort());
    // A single node only sees its own share: that is why scanKeys asks every master.
    const one = client.nodes('master')[0]!;
    const [, ownShare] = await one.scan('0', 'MATCH', `${keyPrefix}spread-*`, 'COUNT', 1000);
    expect(ownShare.length).toBeLessThan(spread.length);
    // And what it found, without the prefix, is what `del` takes.
    await kv.del(...found.map((k) => k.slice(keyPrefix.length)));
    expect(await scanKeys(client, `${keyPrefix}spread-*`)).toEqual([]);
  });

  it('runs a two-key script when both keys share a hash tag, and calls out keys that do not', async () => {
    expect(await slotOf('grant:{u1}:tokens')).toBe(await slotOf('grant:{u1}:sessions'));
    await kv.set('grant:{u1}:tokens', 'v', 10_000);
    await kv.hashSet('grant:{u1}:sessions', 's', '1', 10_000);
    expect(await kv.getIfMember('grant:{u1}:tokens', 'grant:{u1}:sessions', 's')).toBe('v');

    expect(await slotOf('grant:u2:tokens')).not.toBe(await slotOf('grant:u2:sessions'));
    const err = await kv
      .getIfMember('grant:u2:tokens', 'grant:u2:sessions', 's')
      .catch((e: unknown) => e);
    // A key-naming bug, not an outage: it must not pass for store_unavailable.
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/^CROSSSLOT/);
  });

  it('fails only the cross-slot command, not the others sent in the same tick', async () => {
    await kv.set('sess:u3', 'kept', 10_000);
    const results = await Promise.allSettled([
      kv.get('sess:u3'),
      kv.getIfMember('sess:u3', 'sess-ended:u3', 'v'),
      ...spread.map((k) => kv.get(k)),
      kv.get('sess:u3'),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'kept' });
    expect(results[1]!.status).toBe('rejected');
  });
});
