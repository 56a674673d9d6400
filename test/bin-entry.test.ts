import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, tempDir } from './helpers';

/*
 * bin/stoa-manifests.js runs the TypeScript sources through tsx in a checkout (lib/ is there), and
 * the compiled build/ in an installed package (which ships no lib/): there is no build that can go
 * stale. The verbs whose answer is trusted read no cache of compiled code. Tried on copies, with a
 * main of their own that says what it sees.
 */

const REPORT = `process.stdout.write(JSON.stringify({ ran: __filename.endsWith('.ts') ? 'sources' : 'build', tsxCache: process.env.TSX_DISABLE_CACHE ?? null, compileCache: require('module').getCompileCacheDir() ?? null }));\n`;

function copy(shape: 'checkout' | 'package'): string {
  const dir = tempDir('stoa-bin-');
  fs.cpSync(path.join(REPO, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const main = shape === 'checkout' ? path.join(dir, 'lib', 'cli', 'main.ts') : path.join(dir, 'build', 'lib', 'cli', 'main.js');
  fs.mkdirSync(path.dirname(main), { recursive: true });
  fs.writeFileSync(main, shape === 'checkout' ? `const typed: string = 'sources';\nvoid typed;\n${REPORT}` : REPORT);
  return dir;
}

function run(dir: string, ...args: string[]) {
  return runWith({}, dir, ...args);
}

function runWith(extra: Record<string, string>, dir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.TSX_DISABLE_CACHE;
  if (!extra.NODE_COMPILE_CACHE) delete env.NODE_COMPILE_CACHE;
  const r = spawnSync(process.execPath, [path.join(dir, 'bin', 'stoa-manifests.js'), ...args], { cwd: dir, encoding: 'utf8', env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

test('a checkout runs its TypeScript sources as they are now: an edit is what runs next, with no build step', () => {
  const dir = copy('checkout');
  expect(run(dir, 'synth')).toMatchObject({ ran: 'sources', tsxCache: null, compileCache: expect.any(String) });
  const main = path.join(dir, 'lib', 'cli', 'main.ts');
  fs.writeFileSync(main, `process.stderr.write('');\nconst edited: number = 1;\nprocess.stdout.write(String(edited));\n`);
  expect(run(dir, 'synth')).toBe(1);
  expect(fs.existsSync(path.join(dir, 'build'))).toBe(false);
});

test('an installed package (no lib/ sources) runs its compiled build/', () => {
  expect(run(copy('package'), 'synth')).toMatchObject({ ran: 'build', compileCache: expect.any(String) });
});

test.each(['synth --check', 'validate', 'diff --base HEAD', 'publish --repo x', 'merge-shards a b', 'check-promotions'])('%s reads no cache of compiled code, in a checkout and in a package, even when NODE_COMPILE_CACHE says to', (command) => {
  const args = command.split(' ');
  expect(run(copy('checkout'), ...args)).toEqual({ ran: 'sources', tsxCache: '1', compileCache: null });
  expect(run(copy('package'), ...args)).toEqual({ ran: 'build', tsxCache: null, compileCache: null });
  expect(runWith({ NODE_COMPILE_CACHE: path.join(tempDir(), 'ncc') }, copy('package'), ...args)).toEqual({ ran: 'build', tsxCache: null, compileCache: null });
});

test('synth keeps Node\'s compile cache in the user\'s cache folder, and reads tsx\'s only from a folder no one else can write', () => {
  const home = tempDir('stoa-home-');
  const tmp = tempDir('stoa-tmp-');
  const env = { XDG_CACHE_HOME: path.join(home, '.cache'), TMPDIR: tmp };
  expect(runWith(env, copy('checkout'), 'synth')).toEqual({ ran: 'sources', tsxCache: null, compileCache: expect.stringMatching(new RegExp(`^${home}/\\.cache/stoa-manifests/node-compile-cache`)) });
  const shared = path.join(tmp, `tsx-${process.getuid!()}`);
  fs.mkdirSync(shared, { recursive: true });
  fs.chmodSync(shared, 0o777);
  expect(runWith(env, copy('checkout'), 'synth')).toMatchObject({ tsxCache: '1' });
});

test('an older Node is refused with a message that says what to do', () => {
  const dir = copy('package');
  const r = spawnSync(process.execPath, ['-e', `Object.defineProperty(process.versions, 'node', { value: '20.20.2' }); process.argv[1] = ${JSON.stringify(path.join(dir, 'bin', 'stoa-manifests.js'))}; require(process.argv[1]);`], { encoding: 'utf8' });
  expect(r.status).toBe(4);
  expect(r.stderr).toMatch(/^stoa-manifests: needs Node\.js 22\.12 or newer \(this is v[\d.]+\); install Node 24, or run it with npx -y node@24 /);
});
