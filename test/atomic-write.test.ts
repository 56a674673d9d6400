import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { listFiles, mirrorFolder, tempNameBeside, writeFileAtomic } from '../lib/files';
import { ProcessRun, REPO, runProcess, tempDir } from './helpers';

// Large enough that a write cut in the middle would show.
const OLD = `old: ${'o'.repeat(200_000)}\n`;
const NEW = `new: ${'n'.repeat(300_000)}\n`;
// Every call that changes the disk is a place to die; writeSync is also cut in the middle.
const STEPS = ['openSync', 'fchmodSync', 'writeSync', 'closeSync', 'renameSync', 'linkSync', 'copyFileSync', 'rmSync'];

/** A temporary of `name` left by a killed writer: `.<name>-tmp-<pid>-<hex>`. */
const TEMP = (name: string) => new RegExp(`^\\.${name.replace(/\./g, '\\.')}-tmp-[1-9]\\d*-[0-9a-f]{8}$`);

/**
 * A child script that loads lib/files.ts (transpiled to plain JS, so a spawn costs a bare node
 * start), calls writeFileAtomic(file, NEW, options) and SIGKILLs itself at its N-th step: before
 * it, or for writeSync after writing half of what it was given. Prints the steps it took.
 */
const harness = (() => {
  let dir: string | undefined;
  return (): string => {
    if (!dir) {
      dir = tempDir('stoa-atomic-harness-');
      for (const module of ['files', 'sort']) {
        const source = fs.readFileSync(path.join(REPO, 'lib', `${module}.ts`), 'utf8');
        fs.writeFileSync(path.join(dir, `${module}.js`), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
      }
      fs.writeFileSync(path.join(dir, 'child.js'), `'use strict';
const fs = require('fs');
const [file, killAt, options, plant] = process.argv.slice(2);
const { writeFileAtomic } = require(${JSON.stringify(path.join(dir, 'files.js'))});
if (plant) {
  // Someone puts a symlink at the name the temporary gets, just before it is made.
  const open = fs.openSync;
  fs.openSync = function (p, ...rest) {
    fs.symlinkSync(plant, p);
    return open.call(this, p, ...rest);
  };
}
const calls = [];
for (const name of ${JSON.stringify(STEPS)}) {
  const real = fs[name];
  fs[name] = function (...args) {
    if (calls.push(name) === Number(killAt)) {
      if (name === 'writeSync') real.call(this, args[0], args[1], 0, Math.floor(args[1].length / 2));
      process.kill(process.pid, 'SIGKILL');
    }
    return real.apply(this, args);
  };
}
writeFileAtomic(file, ${JSON.stringify(NEW)}, JSON.parse(options));
process.stdout.write(JSON.stringify(calls));
`);
    }
    return path.join(dir, 'child.js');
  };
})();

function runChild(file: string, killAt: number, options: object, plant = ''): Promise<ProcessRun> {
  return runProcess(process.execPath, [harness(), file, String(killAt), JSON.stringify(options), plant]);
}

/** Kills writeFileAtomic at every step in turn; returns what the file held after each kill (undefined: no file). */
async function killAtEveryStep(options: object, before: string | undefined): Promise<{ calls: string[]; after: (string | undefined)[] }> {
  const setup = () => {
    const dir = tempDir();
    const file = path.join(dir, 'acme.yaml');
    if (before !== undefined) fs.writeFileSync(file, before);
    return file;
  };
  const clean = setup();
  const full = await runChild(clean, 0, options);
  expect({ status: full.status, stderr: full.stderr }).toEqual({ status: 0, stderr: '' });
  expect(fs.readFileSync(clean, 'utf8')).toBe(NEW);
  expect(fs.readdirSync(path.dirname(clean))).toEqual(['acme.yaml']);
  const calls = JSON.parse(full.stdout) as string[];
  const after: (string | undefined)[] = [];
  for (let step = 1; step <= calls.length; step++) {
    const file = setup();
    const run = await runChild(file, step, options);
    expect({ step, signal: run.signal }).toEqual({ step, signal: 'SIGKILL' });
    const content = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    // The old file or the new one, whole; never a mix or a part.
    expect({ step, is: content === before ? 'old' : content === NEW ? 'new' : `other (${content?.length} bytes)` }).toEqual({ step, is: expect.stringMatching(/^(old|new)$/) });
    // Beside it, at most the killed writer's temporary.
    const temps = fs.readdirSync(path.dirname(file)).filter((n) => n !== 'acme.yaml');
    for (const name of temps) expect({ step, name }).toEqual({ step, name: expect.stringMatching(TEMP('acme.yaml')) });
    if (calls[step - 1] === 'writeSync') {
      // Killed in the middle of writing: half of the bytes are in the temporary, none in the file.
      expect(temps.map((n) => fs.statSync(path.join(path.dirname(file), n)).size)).toEqual([Math.floor(NEW.length / 2)]);
    }
    after.push(content);
  }
  return { calls, after };
}

test('a write killed at any step, or in the middle of writing, leaves the old file or the new one', async () => {
  const { calls, after } = await killAtEveryStep({}, OLD);
  expect(calls).toEqual(['openSync', 'writeSync', 'closeSync', 'renameSync']);
  expect(after).toEqual([OLD, OLD, OLD, OLD]);
}, 30_000);

test('an exclusive write killed at any step leaves no file or the new one', async () => {
  const { calls, after } = await killAtEveryStep({ exclusive: true, mode: 0o640 }, undefined);
  expect(calls).toEqual(['openSync', 'fchmodSync', 'writeSync', 'closeSync', 'linkSync', 'rmSync']);
  // Killed before removing its temporary: the file is already there, whole.
  expect(after).toEqual([undefined, undefined, undefined, undefined, undefined, NEW]);
}, 30_000);

test('the file gets 0o666 less the umask, or exactly the mode given; an existing file is replaced', () => {
  const previous = process.umask(0o027);
  try {
    const dir = tempDir();
    const file = path.join(dir, 'a.yaml');
    writeFileAtomic(file, 'one\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    writeFileAtomic(file, Buffer.from('two\n'), { mode: 0o664 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o664);
    expect(fs.readFileSync(file, 'utf8')).toBe('two\n');
    expect(fs.readdirSync(dir)).toEqual(['a.yaml']);
  } finally {
    process.umask(previous);
  }
});

test('a failed write leaves the file as it was and no temporary', () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.yaml');
  fs.writeFileSync(file, 'kept\n');
  // exclusive refuses an existing file, after writing the temporary.
  expect(() => writeFileAtomic(file, 'new\n', { exclusive: true })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  // A folder cannot be renamed over.
  fs.mkdirSync(path.join(dir, 'folder', 'inside'), { recursive: true });
  expect(() => writeFileAtomic(path.join(dir, 'folder'), 'new\n')).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
  // A missing parent folder: the temporary cannot be made.
  expect(() => writeFileAtomic(path.join(dir, 'missing', 'b.yaml'), 'new\n')).toThrow(/ENOENT/);
  expect(fs.readFileSync(file, 'utf8')).toBe('kept\n');
  expect(fs.readdirSync(dir).sort()).toEqual(['a.yaml', 'folder']);
  expect(fs.readdirSync(path.join(dir, 'folder'))).toEqual(['inside']);
});

test('the temporary is never one already there: a symlink in its place is not written through, nor removed', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.yaml');
  fs.writeFileSync(file, OLD);
  const name = tempNameBeside(file, 'tmp');
  expect(path.dirname(name)).toBe(dir);
  expect(path.basename(name)).toMatch(TEMP('a.yaml'));
  expect(tempNameBeside(file, 'tmp')).not.toBe(name);

  const elsewhere = path.join(tempDir(), 'target');
  fs.writeFileSync(elsewhere, 'untouched\n');
  const run = await runChild(file, 0, {}, elsewhere);
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/EEXIST/);
  expect(fs.readFileSync(elsewhere, 'utf8')).toBe('untouched\n');
  expect(fs.readFileSync(file, 'utf8')).toBe(OLD);
  const planted = fs.readdirSync(dir).filter((n) => n !== 'a.yaml');
  expect(planted).toEqual([expect.stringMatching(TEMP('a.yaml'))]);
  expect(fs.readlinkSync(path.join(dir, planted[0]))).toBe(elsewhere);
});

test('mirrorFolder makes a folder hold exactly another\'s files, leaving the same ones untouched and writing through no link', () => {
  const dir = tempDir('stoa-mirror-');
  const [from, to, outside] = ['from', 'to', 'outside'].map((d) => path.join(dir, d));
  const write = (file: string, text: string, mode = 0o644) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
  };
  write(path.join(from, 'same.yaml'), 'same\n');
  write(path.join(from, 'apps/changed.yaml'), 'new\n');
  write(path.join(from, 'apps/mode.yaml'), 'mode\n');
  write(path.join(from, 'apps/new.yaml'), 'added\n');
  write(path.join(from, 'linked/file.yaml'), 'through no link\n');
  write(path.join(from, 'was-folder'), 'a file now\n');
  write(path.join(to, 'same.yaml'), 'same\n');
  write(path.join(to, 'apps/changed.yaml'), 'old\n');
  write(path.join(to, 'apps/mode.yaml'), 'mode\n', 0o755);
  write(path.join(to, 'apps/gone.yaml'), 'removed\n');
  write(path.join(to, 'gone/deep/file.yaml'), 'removed\n');
  write(path.join(to, 'was-folder/file.yaml'), 'removed\n');
  write(path.join(outside, 'file.yaml'), 'not to be touched\n');
  fs.symlinkSync(outside, path.join(to, 'linked'));
  const before = fs.statSync(path.join(to, 'same.yaml'));

  mirrorFolder(from, to);

  const files = (root: string) => listFiles(root).map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8'), fs.lstatSync(path.join(root, f)).mode]);
  expect(files(to)).toEqual(files(from));
  expect(fs.lstatSync(path.join(to, 'linked')).isDirectory()).toBe(true);
  expect(fs.readFileSync(path.join(outside, 'file.yaml'), 'utf8')).toBe('not to be touched\n');
  // The unchanged file is the same file, not rewritten: git's index still knows it clean.
  const after = fs.statSync(path.join(to, 'same.yaml'));
  expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

  // A target that is a link to a folder is replaced, not written through.
  const linkedTarget = path.join(dir, 'linked-target');
  fs.symlinkSync(outside, linkedTarget);
  mirrorFolder(from, linkedTarget);
  expect(fs.lstatSync(linkedTarget).isDirectory()).toBe(true);
  expect(fs.readdirSync(outside)).toEqual(['file.yaml']);
});
