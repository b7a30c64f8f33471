/**
 * The end-to-end suite: real Chromium (Debian's, never a downloaded build) against the app served
 * in process on a real port, the run's own database and the in-process SMTP server.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: '<rootDir>/tests/support/db-environment.ts',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/e2e'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/tests/e2e/global-setup.ts',
  globalTeardown: '<rootDir>/tests/e2e/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 300000,
};
