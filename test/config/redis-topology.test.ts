import { parseRedisTopology, type RedisTopologyEnv } from '../../src/config/redis-topology';

const accepted: [string, RedisTopologyEnv, unknown][] = [
  ['nothing set: the embedded store', {}, undefined],
  ['empty values count as unset', { REDIS_URL: ' ', REDIS_CLUSTER_NODES: '' }, undefined],
  [
    'one node',
    { REDIS_URL: 'rediss://user:pw@redis.internal:6380/2' },
    { kind: 'node', url: 'rediss://user:pw@redis.internal:6380/2' },
  ],
  [
    'one node, its password from REDIS_PASSWORD (URL-encoded into the URL)',
    { REDIS_URL: 'redis://redis:6379/0', REDIS_PASSWORD: 'p@ss/w:rd' },
    { kind: 'node', url: 'redis://:p%40ss%2Fw%3Ard@redis:6379/0' },
  ],
  [
    'one node, user and password from REDIS_USERNAME and REDIS_PASSWORD',
    { REDIS_URL: 'rediss://redis.internal:6380', REDIS_USERNAME: 'bff', REDIS_PASSWORD: 'pw' },
    { kind: 'node', url: 'rediss://bff:pw@redis.internal:6380' },
  ],
  [
    'sentinels as host:port',
    { REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380', REDIS_SENTINEL_NAME: 'mymaster' },
    {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      name: 'mymaster',
      tls: false,
    },
  ],
  [
    'sentinels with credentials and TLS for the data nodes',
    {
      REDIS_SENTINELS: 's1:26379',
      REDIS_SENTINEL_NAME: 'm',
      REDIS_USERNAME: 'bff',
      REDIS_PASSWORD: 'secret',
      REDIS_TLS: 'true',
    },
    {
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'm',
      username: 'bff',
      password: 'secret',
      tls: true,
    },
  ],
  [
    'cluster seeds in both forms, a trailing comma and IPv6',
    { REDIS_CLUSTER_NODES: 'redis://n1:7000,n2:7001/,[::1]:7002,', REDIS_PASSWORD: 'pw' },
    {
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      password: 'pw',
      tls: false,
    },
  ],
  [
    'rediss:// seeds turn TLS on',
    { REDIS_CLUSTER_NODES: 'rediss://n1:7000,rediss://n2:7000' },
    {
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7000 },
      ],
      tls: true,
    },
  ],
  [
    'REDIS_TLS=0 is false',
    { REDIS_CLUSTER_NODES: 'n1:7000', REDIS_TLS: '0' },
    { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], tls: false },
  ],
];

it.each(accepted)('accepts %s', (_name, env, topology) => {
  expect(parseRedisTopology(env)).toEqual({ ok: true, topology });
});

it('names a password given with no Redis to use it (compose and development share one .env)', () => {
  expect(parseRedisTopology({ REDIS_PASSWORD: 'pw', REDIS_USERNAME: 'bff' })).toEqual({
    ok: true,
    topology: undefined,
    unused: ['REDIS_USERNAME', 'REDIS_PASSWORD'],
  });
});

const refused: [string, RedisTopologyEnv, string[]][] = [
  [
    'two topologies at once',
    { REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'n1:7000' },
    ['REDIS_URL, REDIS_CLUSTER_NODES: set only one Redis topology (one node, Sentinel or Cluster)'],
  ],
  [
    'all three at once',
    { REDIS_URL: 'redis://a', REDIS_SENTINELS: 's:1', REDIS_CLUSTER_NODES: 'n:1' },
    [
      'REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES: set only one Redis topology (one node, Sentinel or Cluster)',
    ],
  ],
  [
    'a REDIS_URL that is not redis://',
    { REDIS_URL: 'http://a:6379' },
    ['REDIS_URL: must be a redis:// or rediss:// URL'],
  ],
  [
    'a password both in REDIS_URL and in REDIS_PASSWORD (and the secret is not repeated)',
    { REDIS_URL: 'redis://:hunter2@a:6379', REDIS_PASSWORD: 'pw' },
    ['REDIS_PASSWORD: REDIS_URL carries credentials of its own; set them in one place only'],
  ],
  [
    'a user name without a password beside REDIS_URL',
    { REDIS_URL: 'redis://a:6379', REDIS_USERNAME: 'bff' },
    ['REDIS_USERNAME: needs REDIS_PASSWORD'],
  ],
  [
    'TLS beside REDIS_URL, whose scheme says it',
    { REDIS_URL: 'redis://a:6379', REDIS_TLS: 'true' },
    [
      'REDIS_TLS: only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES (REDIS_URL says it with rediss://)',
    ],
  ],
  [
    'TLS without any topology',
    { REDIS_TLS: 'true' },
    ['REDIS_TLS: only used with REDIS_SENTINELS or REDIS_CLUSTER_NODES'],
  ],
  [
    'sentinels without a master name',
    { REDIS_SENTINELS: 's1:26379' },
    ['REDIS_SENTINEL_NAME: required with REDIS_SENTINELS'],
  ],
  [
    'a master name without sentinels',
    { REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'n:7000' },
    ['REDIS_SENTINEL_NAME: only used with REDIS_SENTINELS'],
  ],
  [
    'bad ports, a missing port and a bare word',
    { REDIS_CLUSTER_NODES: 'n1:0,n2:65536,n3:70x,n4,redis://n5:' },
    [
      'REDIS_CLUSTER_NODES entry 1 (n1:0): port must be a number from 1 to 65535',
      'REDIS_CLUSTER_NODES entry 2 (n2:65536): port must be a number from 1 to 65535',
      'REDIS_CLUSTER_NODES entry 3 (n3:70x): port must be a number from 1 to 65535',
      'REDIS_CLUSTER_NODES entry 4 (n4): expected host:port or redis://host:port',
      'REDIS_CLUSTER_NODES entry 5 (redis://n5:): port must be a number from 1 to 65535',
    ],
  ],
  [
    'another scheme or a path',
    { REDIS_SENTINELS: 'http://s1:26379,s2:26379/0', REDIS_SENTINEL_NAME: 'm' },
    [
      'REDIS_SENTINELS entry 1 (http://s1:26379): expected host:port or redis://host:port',
      'REDIS_SENTINELS entry 2 (s2:26379/0): expected host:port or redis://host:port',
    ],
  ],
  [
    'credentials inside a seed (and the secret is not repeated)',
    { REDIS_CLUSTER_NODES: 'redis://bff:hunter2@n1:7000' },
    [
      'REDIS_CLUSTER_NODES entry 1: put credentials in REDIS_USERNAME/REDIS_PASSWORD, not in the list',
    ],
  ],
  ['an empty list', { REDIS_CLUSTER_NODES: ' , ,' }, ['REDIS_CLUSTER_NODES: lists no host:port']],
  [
    'a username without a password, and a TLS value that is not a boolean',
    { REDIS_CLUSTER_NODES: 'n1:7000', REDIS_USERNAME: 'bff', REDIS_TLS: 'yes' },
    ['REDIS_TLS: must be true or false', 'REDIS_USERNAME: needs REDIS_PASSWORD'],
  ],
  [
    'TLS refused while seeds ask for it, or mixed schemes',
    { REDIS_CLUSTER_NODES: 'rediss://n1:7000,n2:7000', REDIS_TLS: 'false' },
    [
      'REDIS_CLUSTER_NODES: mixes rediss:// with plain seeds',
      'REDIS_TLS: false, but REDIS_CLUSTER_NODES lists rediss:// seeds',
    ],
  ],
];

it.each(refused)('refuses %s', (_name, env, problems) => {
  expect(parseRedisTopology(env)).toEqual({ ok: false, problems });
});
