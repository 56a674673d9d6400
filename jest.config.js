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
 * A home folder of the test run's own, under the temp folder above, removed when jest exits: the
 * library keeps caches under the user's cache folder (lib/cache-root.ts: `$XDG_CACHE_HOME`, else
 * `~/.cache`: render caches of projects without node_modules, the validators' V8 code cache), and
 * so do tools the tests run (swc unpacks its native binding into it). Tests must leave nothing in
 * the real home folder, nor read anything from it (a git config, a cache of another run). Set
 * here, like TMPDIR, so that the workers and every child process inherit it; a process that reads
 * this file again (it sees STOA_TEST_HOME) keeps the run's folder. The folder is named by the pid
 * of the jest process: the folders of runs that were killed (no exit handler ran) are removed by
 * the next run, and those of runs still going are left alone.
 */
function testHome() {
  if (process.env.STOA_TEST_HOME && fs.existsSync(process.env.STOA_TEST_HOME)) return process.env.STOA_TEST_HOME;
  const parent = fs.realpathSync(os.tmpdir());
  for (const entry of fs.readdirSync(parent)) {
    const pid = Number(/^stoa-test-home-(\d+)-/.exec(entry)?.[1]);
    if (pid && !isRunning(pid)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const home = fs.mkdtempSync(path.join(parent, `stoa-test-home-${process.pid}-`));
  process.on('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  return home;
}
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code !== 'ESRCH';
  }
}
const home = testHome();
Object.assign(process.env, {
  STOA_TEST_HOME: home,
  HOME: home,
  XDG_CACHE_HOME: path.join(home, '.cache'),
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_DATA_HOME: path.join(home, '.local', 'share'),
  XDG_STATE_HOME: path.join(home, '.local', 'state'),
});

/**
 * Type-checking is done once by `tsc --noEmit` (npm test runs it first): jest only strips the
 * types, with swc (the code has no decorators, no const enums, and is isolatedModules-clean,
 * which tsc checks). Class fields keep the define semantics of tsconfig's ES2022 target.
 */
module.exports = {
  // Jest's node environment, with the library's git calls run from a small helper process: forking
  // git from a worker of several hundred MB cost more than most git commands (test/jest/git-client.js).
  testEnvironment: '<rootDir>/test/jest/environment.js',
  // Jest's default is cores - 1: one worker on a 2-core CI runner. The suites are independent (temp folders each).
  maxWorkers: '100%',
  // A test's time is never what it asserts (speed is measured by npm run bench): jest's 5 s default
  // failed tests that spawn processes on a slow or loaded machine. A hung test still ends.
  testTimeout: 120_000,
  roots: ['<rootDir>/test'],
  // The test modules (test/*.test.ts) run in a few groups, one jest test file each (test/groups/):
  // jest loads the library, cdk8s and the validators again for every test file. One module alone:
  // npx jest --testMatch '**/test/<name>.test.ts' (or -t '^<name> ' for its group).
  testMatch: ['<rootDir>/test/groups/*.test.ts'],
  setupFiles: ['<rootDir>/test/code-cache-on.ts', '<rootDir>/test/render-memo.ts'],
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
