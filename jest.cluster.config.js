const base = require('./jest.config');

/**
 * npm run test:cluster (TEST_REDIS=cluster): the app tests again, on a throwaway 3-master Redis
 * Cluster. The folders it runs are named in package.json; in them, these files never reach the
 * run's shared store (test/support's sharedRedisTopology, which TEST_REDIS=cluster points at the
 * Cluster), so on the Cluster they would only repeat what the node passes (Node 20, Node 24)
 * already ran, at the same cost. A file that comes to use the shared store leaves this list.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  testPathIgnorePatterns: [
    '/node_modules/',
    // The demo's own embedded store (test/demo/demo.ts).
    '<rootDir>/test/oidc/demo-login\\.test\\.ts$',
    // One Redis node of their own in a Cluster run: behind a store gate (framing attacks), and
    // one the gateway test stops and restarts.
    '<rootDir>/test/proxy/framing-attacks\\.test\\.ts$',
    '<rootDir>/test/gateway/nginx-gateway\\.test\\.ts$',
    // The embedded memory store (MemoryKv) only.
    '<rootDir>/test/oauth/grant-refresher\\.test\\.ts$',
    '<rootDir>/test/oauth/likecoin-conformance\\.test\\.ts$',
    '<rootDir>/test/session/app-token-clock\\.test\\.ts$',
    // No store: the token endpoint client against a stand-in, and the doctor's discovery line.
    '<rootDir>/test/oauth/token-endpoint-client\\.test\\.ts$',
    '<rootDir>/test/oidc/oidc-doctor\\.test\\.ts$',
  ],
};
