/**
 * Fault scenarios: the app as real processes (killed, restarted, drained), PostgreSQL restarted,
 * SMTP refusing. Slow by nature, so apart from `npm test`; run with `npm run test:faults`.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // d3-geo and d3-array ship ES modules only, which the app loads with import() (Node runs them);
  // jest's CommonJS module system takes their UMD builds instead.
  moduleNameMapper: {
    '^d3-geo$': '<rootDir>/node_modules/d3-geo/dist/d3-geo.js',
    '^d3-array$': '<rootDir>/node_modules/d3-array/dist/d3-array.js',
  },
  roots: ['<rootDir>/tests/faults'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  globalSetup: '<rootDir>/tests/faults/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 1,
};
