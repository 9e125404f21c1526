#!/usr/bin/env node
// First: tracing, when configured, must be in place before the modules it instruments load.
import { stopTracing } from './tracing/preload';
import { existsSync } from 'node:fs';
import { PROVIDERS } from './app';
import { ConfigError, loadConfig } from './config';
import { createAuditLog } from './log/audit';
import { createLogger } from './log/create-logger';
import { runDoctorCommand, runOperatorCommand, USAGE } from './ops/operator-commands';
import { createKv } from './store/create-kv';
import { createStoreCore } from './store-core';

// Operator commands: `token-bff sessions list <user-id>`, `token-bff doctor` and friends (USAGE).
async function cli(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return args.length === 0 ? 1 : 0;
  }
  if (process.env.NODE_ENV !== 'production' && existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`token-bff: bad configuration: ${err.problems.join('; ')}\n`);
    return 1;
  }
  // Before the store is required: the doctor says itself what it could not check.
  if (args[0] === 'doctor') {
    if (args.length === 1) {
      const checks = PROVIDERS.flatMap((provider) => provider.doctorChecks(config));
      return runDoctorCommand(config, process.stdout, checks);
    }
    process.stderr.write('token-bff doctor: takes no arguments\n');
    return 1;
  }
  if (!config.redis.topology) {
    process.stderr.write(
      'token-bff: no Redis configured: the embedded store lives inside the service process\n',
    );
    return 1;
  }
  const kv = createKv(config);
  try {
    await kv.ready(config.limits.redisConnectTimeoutMs);
    // The audit trail on stdout, one JSON line per event, as the service writes it: what an
    // operator ends is on record wherever the service's own lines go.
    const audit = createAuditLog(createLogger(config.logLevel, process.stdout));
    // The same store-level core the service runs on: a session ended here ends as a logout.
    const core = createStoreCore({ config, kv, now: Date.now, providers: PROVIDERS, audit });
    const grantHolders = core.parts.flatMap(({ provider, store }) =>
      store.revokeGrant
        ? [{ name: provider.name, label: provider.label, revokeGrant: store.revokeGrant }]
        : [],
    );
    const result = await runOperatorCommand(args, { index: core.index, grantHolders, audit });
    (result.code === 0 ? process.stdout : process.stderr).write(`${result.out}\n`);
    return result.code;
  } catch (err) {
    process.stderr.write(`token-bff: the store cannot be reached (${describe(err)})\n`);
    return 1;
  } finally {
    await kv.close();
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

cli(process.argv.slice(2)).then(
  // The command's spans (the doctor's calls) leave before the process does.
  (code) => void stopTracing().then(() => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`token-bff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
