const fs = require('fs');
const os = require('os');
const path = require('path');

// Jest's own default cache folder, named before TMPDIR changes below: the transform cache stays where it was.
const cacheDirectory = path.join(fs.realpathSync(os.tmpdir()), `jest${process.getuid ? `_${process.getuid().toString(36)}` : ''}`);

/**
 * Temp folders of the tests (every test project, git repository and envs checkout) go to a
 * memory file system when the machine has one: the tests create and delete tens of thousands
 * of small files, which costs many times more on a disk file system (journal, discard).
 * Set here, in the main jest process, so that the workers, os.tmpdir() and every child process
 * (git, the CLI) inherit it. An explicit STOA_TEST_TMPDIR wins; `STOA_TEST_TMPDIR=` keeps TMPDIR.
 */
function memoryTmpDir() {
  if (process.env.STOA_TEST_TMPDIR !== undefined) return process.env.STOA_TEST_TMPDIR || undefined;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return fs.statSync('/dev/shm').isDirectory() ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}
const tmp = memoryTmpDir();
if (tmp) process.env.TMPDIR = tmp;

/**
 * Type-checking is done once by `tsc --noEmit` (npm test runs it first): jest only strips the
 * types, with swc (the code has no decorators, no const enums, and is isolatedModules-clean,
 * which tsc checks). Class fields keep the define semantics of tsconfig's ES2022 target.
 */
module.exports = {
  testEnvironment: 'node',
  // Jest's default is cores - 1: one worker on a 2-core CI runner. The suites are independent (temp folders each).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  cacheDirectory,
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      swcrc: false,
      sourceMaps: 'inline',
      module: { type: 'commonjs', strict: false },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript' },
        transform: { useDefineForClassFields: true },
        keepClassNames: true,
      },
    }],
  },
};
