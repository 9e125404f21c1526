// The topology is configuration (env → typed value) and lives in src/config; this name stays
// only for the importers not yet moved over (src/ops/doctor-text.ts, test/support).
export type { RedisAddress, RedisTopology } from '../config/redis-topology';
