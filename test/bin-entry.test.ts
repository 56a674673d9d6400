import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, tempDir } from './helpers';

/*
 * bin/stoa-manifests.js runs the compiled build/ when it was compiled from the sources as they are,
 * compiles what changed since (JavaScript only) when it can, and otherwise runs the sources through
 * tsx. Tried on a copy of the package (its node_modules linked), never on this checkout's build/.
 */

let built: string | undefined;

/** A copy of the package with build/ compiled from its sources (compiled once per file, copied for each test). */
function packageCopy(): string {
  built ??= compiledPackage();
  const dir = tempDir('stoa-bin-');
  fs.cpSync(built, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

function compiledPackage(): string {
  const dir = tempDir('stoa-bin-');
  for (const entry of ['lib', 'imports', 'scripts', 'bin', 'tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    fs.cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const built = spawnSync(process.execPath, ['scripts/transpile-build.js', '--all'], { cwd: dir, encoding: 'utf8' });
  expect(built.stderr).toBe('');
  expect(built.status).toBe(0);
  return dir;
}

function run(dir: string) {
  return spawnSync(process.execPath, [path.join(dir, 'bin', 'stoa-manifests.js'), '--version'], { cwd: dir, encoding: 'utf8' });
}

const MAIN = path.join('lib', 'cli', 'main.ts');

test('an edited source is compiled into build/ once, said on stderr, and then run compiled', () => {
  const dir = packageCopy();
  const first = run(dir);
  expect(first.stdout.trim()).toBe(require(path.join(REPO, 'package.json')).version);
  expect(first.stderr).toBe('');

  const main = path.join(dir, MAIN);
  fs.writeFileSync(main, `process.stderr.write('edited main\\n');\n${fs.readFileSync(main, 'utf8')}`);
  const edited = run(dir);
  expect(edited.status).toBe(0);
  expect(edited.stderr).toBe('stoa-manifests: build/ updated for lib/cli/main.ts (compiled without type checking: npm test checks types)\nedited main\n');
  expect(fs.readFileSync(path.join(dir, 'build', 'lib', 'cli', 'main.js'), 'utf8')).toContain('edited main');

  // The stamp now names the edited source: the next start compiles nothing.
  expect(run(dir).stderr).toBe('edited main\n');
});

test('a source rewritten with the same bytes is not compiled again; a removed source leaves no compiled file behind', () => {
  const dir = packageCopy();
  const file = path.join(dir, MAIN);
  fs.writeFileSync(file, fs.readFileSync(file));
  fs.utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1));
  expect(run(dir).stderr).toBe('');

  fs.writeFileSync(path.join(dir, 'lib', 'unused-module.ts'), 'export const unused = 1;\n');
  expect(run(dir).stderr).toContain('build/ updated for lib/unused-module.ts');
  expect(fs.existsSync(path.join(dir, 'build', 'lib', 'unused-module.js'))).toBe(true);
  fs.rmSync(path.join(dir, 'lib', 'unused-module.ts'));
  expect(run(dir).stderr).toContain('build/ updated for lib/unused-module.ts');
  expect(fs.existsSync(path.join(dir, 'build', 'lib', 'unused-module.js'))).toBe(false);
});

test('a source that does not compile runs through tsx with a note, and build/ keeps what it had', () => {
  const dir = packageCopy();
  const before = fs.readFileSync(path.join(dir, 'build', 'lib', 'cli', 'main.js'), 'utf8');
  fs.appendFileSync(path.join(dir, MAIN), '\nconst = ;\n');
  const broken = run(dir);
  expect(broken.stderr).toContain('cannot be updated in place; running them through tsx');
  expect(broken.status).not.toBe(0);
  expect(fs.readFileSync(path.join(dir, 'build', 'lib', 'cli', 'main.js'), 'utf8')).toBe(before);
});

test('a changed compiler setting is never compiled piecemeal: the sources run through tsx until npm run build', () => {
  const dir = packageCopy();
  const config = path.join(dir, 'tsconfig.json');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('{', '{\n  "//": "changed",'));
  const changed = run(dir);
  expect(changed.stderr).toContain('running them through tsx');
  expect(changed.stdout.trim()).toBe(require(path.join(REPO, 'package.json')).version);
});
