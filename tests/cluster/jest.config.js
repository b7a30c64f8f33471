/**
 * The cluster test: hosts on Linux network namespaces (root needed), HAProxy and PgBouncer from
 * Debian. Slow by nature, so apart from `npm test`; run with `npm run test:cluster`.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  roots: ['<rootDir>/tests/cluster'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/tests/faults/global-setup.ts',
  testTimeout: 180000,
  maxWorkers: 1,
  // Everything it started is stopped in afterAll (and killed by namespace); a socket left
  // closing must not hold CI.
  forceExit: true,
};
