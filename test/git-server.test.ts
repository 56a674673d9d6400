import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers';

/*
 * The tests run the library's git calls through a small helper process (test/jest/git-client.js,
 * installed by the test environment): what a caller of execFileSync('git', ...) sees must be what
 * execFileSync itself gives, in success and in every kind of failure.
 */

// Installed by the test environment, unless STOA_TEST_GIT_SERVER=0: then the module's own wrapper is compared.
const installed = (childProcess.execFileSync as any).viaGitServer === true;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = installed ? childProcess.execFileSync : require('./jest/git-client').wrap(childProcess.execFileSync);
const viaServer = (...args: Parameters<typeof childProcess.execFileSync>) => server(...args);
const direct = (...args: Parameters<typeof childProcess.execFileSync>) => server.direct(...args);

/** What a call returned, or the error it threw (its message and the properties callers read). */
function outcome(call: () => unknown): unknown {
  try {
    return { returned: call() };
  } catch (e: any) {
    return {
      keys: Object.keys(e), thrown: e.constructor.name, message: e.message, status: e.status, signal: e.signal, code: e.code, errno: e.errno,
      syscall: e.syscall, path: e.path, spawnargs: e.spawnargs, stdout: e.stdout, stderr: e.stderr, output: e.output,
    };
  }
}

const env = { ...process.env, LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

let repo: string;
beforeAll(() => {
  repo = tempDir('stoa-git-server-');
  direct('git', ['init', '--quiet', '--initial-branch=main', repo], { env });
  fs.writeFileSync(path.join(repo, 'a.txt'), 'ä\n');
  direct('git', ['add', 'a.txt'], { cwd: repo, env });
  direct('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '--quiet', '-m', 'one'], { cwd: repo, env });
});

test('the test environment runs git through the server, unless STOA_TEST_GIT_SERVER=0', () => {
  expect(installed).toBe(process.env.STOA_TEST_GIT_SERVER !== '0');
});

test.each([
  ['text output', ['rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8' }],
  ['bytes output, stderr inherited', ['cat-file', '--batch'], { input: 'HEAD:a.txt\nHEAD:missing\n' }],
  ['a failure: status and stderr', ['rev-parse', '--verify', 'no-such-ref'], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }],
  ['a failure without stdio: stderr inherited', ['log', '--no-such-option'], { encoding: 'utf8' }],
  ['input in an encoding', ['hash-object', '--stdin'], { encoding: 'latin1', input: 'é' }],
  ['input as bytes', ['hash-object', '--stdin'], { encoding: 'utf8', input: Buffer.from([0, 1, 2, 255]) }],
  ['a working folder that does not exist', ['status'], { encoding: 'utf8', cwd: '/no/such/folder' }],
  ['a relative working folder', ['rev-parse', '--show-prefix'], { encoding: 'utf8', cwd: '.' }],
  ['no options', ['--version'], undefined],
  ['an environment of its own', ['var', 'GIT_AUTHOR_IDENT'], { encoding: 'utf8', env: { PATH: process.env.PATH, GIT_AUTHOR_NAME: 'X Y', GIT_AUTHOR_EMAIL: 'x@y', GIT_AUTHOR_DATE: '@0 +0000' } }],
])('%s: the same result or error as execFileSync', (_, args, options: any) => {
  const opts = options && { cwd: repo, env, ...options };
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const expected = outcome(() => direct('git', args, opts));
    const expectedStderr = stderr.mock.calls.map((c) => String(c[0]));
    stderr.mockClear();
    const actual = outcome(() => viaServer('git', args, opts));
    expect(actual).toEqual(expected);
    expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual(expectedStderr);
  } finally {
    stderr.mockRestore();
  }
});

test('output over maxBuffer: the same error (how much was read before git was stopped depends on timing)', () => {
  const opts = { cwd: repo, env, encoding: 'utf8', maxBuffer: 10 } as const;
  const shape = (o: any) => ({ thrown: o.thrown, message: o.message, code: o.code, errno: o.errno, syscall: o.syscall, spawnargs: o.spawnargs });
  const expected = outcome(() => direct('git', ['cat-file', '-p', 'HEAD'], opts));
  expect(expected).toMatchObject({ code: 'ENOBUFS' });
  expect(shape(outcome(() => viaServer('git', ['cat-file', '-p', 'HEAD'], opts)))).toEqual(shape(expected));
});

test('other programs, and options the server does not take, run as before', () => {
  expect(viaServer('echo', ['hi'], { encoding: 'utf8' })).toBe('hi\n');
  expect(outcome(() => viaServer('git', ['--version'], { stdio: 'inherit' }))).toEqual({ returned: null });
  expect(viaServer('git', ['--version'], { encoding: 'utf8', timeout: 60_000 })).toMatch(/^git version /);
  expect(outcome(() => viaServer('git', ['rev-parse', 'a\0b'], { encoding: 'utf8' }))).toEqual(outcome(() => direct('git', ['rev-parse', 'a\0b'], { encoding: 'utf8' })));
});
