/** @type {import('jest').Config} */
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The sample and its specs import the package by name; run them against the sources.
    '^nest-pg-jobs$': '<rootDir>/lib/index.ts',
    '^nest-pg-jobs/testing$': '<rootDir>/lib/testing/index.ts',
    '^nest-pg-jobs/terminus$': '<rootDir>/lib/terminus/index.ts',
    '^nest-pg-jobs/dashboard$': '<rootDir>/lib/dashboard/index.ts',
    '^nest-pg-jobs/prometheus$': '<rootDir>/lib/prometheus/index.ts',
  },
  transform: { '^.+\\.ts$': ['@swc/jest', {}] },
  // Node 22: a CommonJS copy of the one ES module a CommonJS dependency requires (see the file).
  resolver: '<rootDir>/test/support/jest-resolver.cjs',
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts', '<rootDir>/sample/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/sample/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
    },
  ],
  testTimeout: 60_000,
};
