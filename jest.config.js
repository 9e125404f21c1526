/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // jose, openid-client and oauth4webapi are ESM-only; ts-jest (allowJs) turns it into CommonJS for jest's module system.
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 15000,
  // Jest's default keeps one core for itself (os.cpus() - 1): on a 2-core CI machine that is a
  // single worker, running 129 files one after another while the main process idles. The files
  // are independent (each app has its own key prefix and port, each test server its own port),
  // so every core runs one.
  maxWorkers: '100%',
  // `npm test` runs with --coverage: the whole suite must keep src/ this well covered. Part of it
  // (`npm run test:file -- <path>`) runs without coverage, since one file covers too little.
  // Tracing's start-up runs only in a process that loads it first (test/tracing spawns one), as
  // main.ts and cli.ts do: jest's module system cannot host require hooks.
  collectCoverageFrom: [
    'src/**/*.ts',
    '!src/main.ts',
    '!src/cli.ts',
    '!src/types/**',
    '!src/tracing/{preload,start-tracing,instrumentations}.ts',
  ],
  coverageReporters: ['text-summary'],
  coverageThreshold: { global: { lines: 95, statements: 94, branches: 87, functions: 93 } },
};
