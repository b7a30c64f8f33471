/**
 * Fault scenarios: the app as real processes (killed, restarted, drained), PostgreSQL restarted,
 * SMTP refusing. Slow by nature, so apart from `npm test`; run with `npm run test:faults`.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/faults'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/tests/faults/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
