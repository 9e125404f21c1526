import { SECRETS_FROM_FILES } from '../../src/config';
import { envSchema } from '../../src/config/schema';
import { composeModel, envExampleSettings, readmeSettings } from './compose-config';

// One list of settings, four places: what the service reads (the schema and the secret files),
// README's "Configuration" table, .env.example, and what docker-compose.yml hands the container.
// A setting missing from one of them is how a tightened LIKECOIN_API_PATHS silently stayed `/`.

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

const SERVICE_READS = sorted([
  ...Object.keys(envSchema.shape),
  ...SECRETS_FROM_FILES.map((name) => `${name}_FILE`),
]);

// Compose runs its own single Redis at a fixed REDIS_URL: these would name another one.
const NOT_FOR_COMPOSE = [
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_CLUSTER_NODES',
  'REDIS_USERNAME',
  'REDIS_TLS',
];

it("README's table documents exactly what the service reads", () => {
  expect(readmeSettings()).toEqual(SERVICE_READS);
});

it('.env.example lists exactly the same settings', () => {
  expect(envExampleSettings().service).toEqual(SERVICE_READS);
});

it('docker-compose.yml hands every one of them to the container, and nothing else', () => {
  const environment = composeModel().services['token-bff']!.environment!;
  const given = Object.keys(environment);
  // A secret compose provides as a file reaches the container as its _FILE form.
  const missing = readmeSettings().filter(
    (name) =>
      !NOT_FOR_COMPOSE.includes(name) && !given.includes(name) && !given.includes(`${name}_FILE`),
  );
  expect(missing).toEqual([]);
  expect(given.filter((name) => !SERVICE_READS.includes(name))).toEqual([]);
  expect(given.filter((name) => NOT_FOR_COMPOSE.includes(name))).toEqual([]);
});

it("compose's own knobs are listed apart in .env.example and are no service setting", () => {
  const { composeOnly } = envExampleSettings();
  expect(composeOnly).toEqual(['HTTPS_PORT']);
  expect(SERVICE_READS).not.toContain('HTTPS_PORT');
});
