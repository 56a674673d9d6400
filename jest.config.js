/** Type-checking is done once by `tsc --noEmit` (npm test runs it first); with isolatedModules ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is cores - 1: one worker on a 2-core CI runner. The suites are independent (temp folders each).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
  },
};
