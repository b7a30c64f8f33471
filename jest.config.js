/** @type {import('jest').Config} */
module.exports = {
  // jest's node environment, with TEST_DB_URL set to the worker's own database (tests/support/db-environment.ts).
  testEnvironment: '<rootDir>/tests/support/db-environment.ts',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // d3-geo and d3-array ship ES modules only, which the app loads with import() (Node runs them);
  // jest's CommonJS module system takes their UMD builds instead.
  moduleNameMapper: {
    '^d3-geo$': '<rootDir>/node_modules/d3-geo/dist/d3-geo.js',
    '^d3-array$': '<rootDir>/node_modules/d3-array/dist/d3-array.js',
  },
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/tests/e2e/', '/tests/faults/', '/tests/cluster/'],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  // Two workers (one per core here): each has a database of its own (tests/support/db-environment.ts),
  // and each worker's test apps hold up to about 50 connections (a web pool of 30, the worker's
  // pool), so two fit PostgreSQL's default max_connections of 100 (one run measured 66 at its
  // peak) and a third would not.
  maxWorkers: 2,
};
