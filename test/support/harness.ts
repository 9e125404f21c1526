/**
 * The one door between bench/ and the test harness: the loopback servers both run the service
 * against. They live here, beside the tests, because stand-ins never go in src/ and the tests
 * are their first users; bench/ imports them from this module only (test/house/bench-imports.test.ts
 * keeps it so), so what the benchmarks depend on is listed in one place.
 */
export { startLikeCoinStandIn, type LikeCoinStandIn } from './likecoin-stand-in';
export { freePort, startRedisServer, type RedisServer } from './redis-server';
export { findNginx, writeGatewayNginx, type GatewayNginxOptions } from './nginx';
