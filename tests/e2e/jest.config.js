/**
 * The end-to-end suite: real Chromium (Debian's, never a downloaded build) against the app served
 * in process on a real port, the run's own database and the in-process SMTP server.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: '<rootDir>/tests/support/db-environment.ts',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // d3-geo and d3-array ship ES modules only, which the app loads with import() (Node runs them);
  // jest's CommonJS module system takes their UMD builds instead.
  moduleNameMapper: {
    '^d3-geo$': '<rootDir>/node_modules/d3-geo/dist/d3-geo.js',
    '^d3-array$': '<rootDir>/node_modules/d3-array/dist/d3-array.js',
  },
  roots: ['<rootDir>/tests/e2e'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/tests/e2e/global-setup.ts',
  globalTeardown: '<rootDir>/tests/e2e/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 300000,
};
