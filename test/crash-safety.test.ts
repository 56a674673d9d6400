import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { RenderedFile } from '../lib';
import { recoverFolder, replaceFolder } from '../lib/render/replace-folder';
import { ProcessRun, readTree, REPO, runProcess, tempDir } from './helpers';

const OLD = {
  'dev/keep.yaml': 'keep\n', 'dev/a.yaml': 'a: old\n', 'dev/sub/b.yaml': 'b: old\n', 'dev/sub/same.yaml': 'same\n',
  'dev/gone.yaml': 'gone: 1\n', 'prod/c.yaml': 'c: old\n',
};
// Keeps a file before the first change (noted, then linked or copied when the new folder starts) and one after it
// (linked), changes two, drops two (one with its folder) and adds one in a new folder.
const NEW = {
  'dev/keep.yaml': 'keep\n', 'dev/a.yaml': 'a: new, longer than before\n', 'dev/sub/b.yaml': 'b: new\n', 'staging/d.yaml': 'd: 1\n',
  'dev/sub/same.yaml': 'same\n',
};
const NEWER = { 'dev/a.yaml': 'a: newer\n' };

function rendered(tree: Record<string, string>): RenderedFile[] {
  return Object.entries(tree).map(([p, content]) => ({ path: p, content, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } }));
}

function asTree(tree: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(tree).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The name of the known output a tree (or undefined: no folder) equals, or `other: …` with what it holds. */
function labelOf(tree: Map<string, string> | undefined, known: Record<string, Map<string, string> | undefined>): string {
  const key = (t: Map<string, string> | undefined) => JSON.stringify(t && [...t]);
  return Object.entries(known).find(([, t]) => key(t) === key(tree))?.[0] ?? `other: ${key(tree)}`;
}

/** The folder's files, or undefined when it does not exist. */
function treeOrNone(dir: string): Map<string, string> | undefined {
  return fs.existsSync(dir) ? readTree(dir) : undefined;
}

/** A pid no process has any more. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ['-e', '']);
  expect(run.status).toBe(0);
  return run.pid!;
}

function writeTree(dir: string, tree: Record<string, string>): void {
  for (const [rel, content] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

// Every call that changes the disk is a place to die.
const STEPS = ['mkdirSync', 'openSync', 'writeFileSync', 'linkSync', 'copyFileSync', 'renameSync', 'rmSync'];

/**
 * A child script that loads replace-folder (transpiled to plain JS, so a spawn
 * costs a bare node start) and SIGKILLs itself just before its N-th step.
 * `loop` mode replaces the folder over and over until the time given and
 * reports how many succeeded and the errors instead.
 */
const harness = (() => {
  let dir: string | undefined;
  return (): { module: string; script: string } => {
    if (!dir) {
      dir = tempDir('stoa-crash-harness-');
      for (const module of ['render/replace-folder', 'files', 'sort']) {
        const source = fs.readFileSync(path.join(REPO, 'lib', `${module}.ts`), 'utf8');
        fs.mkdirSync(path.dirname(path.join(dir, module)), { recursive: true });
        fs.writeFileSync(path.join(dir, `${module}.js`), ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
      }
      fs.writeFileSync(path.join(dir, 'child.js'), `'use strict';
const fs = require('fs');
const [modulePath, outDir, filesPath, arg, mode] = process.argv.slice(2);
const files = JSON.parse(fs.readFileSync(filesPath, 'utf8'));
const { replaceFolder } = require(modulePath);
if (mode === 'loop') {
  const errors = [];
  let done = 0;
  while (Date.now() < Number(arg)) {
    try { replaceFolder(outDir, files); done++; } catch (e) { errors.push(e.message); }
  }
  process.stdout.write(JSON.stringify({ done, errors }));
} else {
  const killAt = Number(arg);
  const calls = [];
  for (const name of ${JSON.stringify(STEPS)}) {
    const real = fs[name];
    fs[name] = function (...args) {
      if (calls.push(name) === killAt) process.kill(process.pid, 'SIGKILL');
      return real.apply(this, args);
    };
  }
  replaceFolder(outDir, files);
  process.stdout.write(JSON.stringify(calls));
}
`);
    }
    return { module: path.join(dir, 'render/replace-folder.js'), script: path.join(dir, 'child.js') };
  };
})();

/** Runs the harness: replaceFolder(outDir, files), dying before step `arg` (0: never); or in a loop until time `arg`. */
function runChild(outDir: string, files: Record<string, string>, arg: number, mode: 'kill' | 'loop' = 'kill'): Promise<ProcessRun> {
  const { module, script } = harness();
  const filesPath = path.join(path.dirname(script), `files-${Object.keys(files).length}-${Buffer.from(JSON.stringify(files)).toString('base64url').slice(0, 40)}.json`);
  if (!fs.existsSync(filesPath)) fs.writeFileSync(filesPath, JSON.stringify(rendered(files)));
  return runProcess(process.execPath, [script, module, outDir, filesPath, String(arg), mode]);
}

/** Runs `jobs` with at most `width` at a time, results in order. */
async function pooled<T>(jobs: (() => Promise<T>)[], width = 6): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

interface Scenario {
  /** Makes the starting state in an empty parent folder; returns the output folder. */
  readonly setup: (parent: string) => string;
  /** What the output folder may hold before the replace: a complete tree, or undefined for none. */
  readonly before: Map<string, string> | undefined;
}

/**
 * Kills a replaceFolder(NEW) at every step in turn and checks after each kill
 * what a reader sees, what recovery makes of it, and that the next replace
 * leaves nothing behind. Returns the states seen before and after recovery.
 */
async function killAtEveryStep(scenario: Scenario): Promise<{ steps: number; calls: string[]; seen: (Map<string, string> | undefined)[]; recovered: (Map<string, string> | undefined)[] }> {
  const clean = tempDir('stoa-crash-');
  const out = scenario.setup(clean);
  const full = await runChild(out, NEW, 0);
  expect(full.stderr).toBe('');
  expect(full.status).toBe(0);
  expect(readTree(out)).toEqual(asTree(NEW));
  expect(fs.readdirSync(clean)).toEqual([path.basename(out)]);
  // Linked or not, no file of the output is shared with another folder (the old one is gone).
  for (const file of readTree(out).keys()) expect({ file, links: fs.statSync(path.join(out, file)).nlink }).toEqual({ file, links: 1 });
  const calls = JSON.parse(full.stdout) as string[];
  const steps = calls.length;
  // Each file reaches the disk by one call (written, linked or copied), each of them a place to die.
  expect(calls.filter((c) => ['writeFileSync', 'linkSync', 'copyFileSync'].includes(c))).toHaveLength(Object.keys(NEW).length);

  const parents = Array.from({ length: steps }, () => tempDir('stoa-crash-'));
  const outs = parents.map((p) => scenario.setup(p));
  const runs = await pooled(outs.map((o, i) => () => runChild(o, NEW, i + 1)));

  const known = { old: scenario.before, new: asTree(NEW) };
  const oldOrNew = expect.stringMatching(/^(old|new)$/);
  const seen: (Map<string, string> | undefined)[] = [];
  const recovered: (Map<string, string> | undefined)[] = [];
  runs.forEach((run, i) => {
    const out = outs[i];
    const parent = parents[i];
    expect({ step: i + 1, signal: run.signal, stderr: run.stderr }).toEqual({ step: i + 1, signal: 'SIGKILL', stderr: '' });
    // A reader between the kill and the next run sees the old or the new output, or none (mid-swap, or none before).
    const before = treeOrNone(out);
    if (before !== undefined) expect({ step: i + 1, before: labelOf(before, known) }).toEqual({ step: i + 1, before: oldOrNew });
    seen.push(before);

    recoverFolder(out);
    const after = treeOrNone(out);
    expect({ step: i + 1, after: labelOf(after, known) }).toEqual({ step: i + 1, after: oldOrNew });
    expect({ step: i + 1, left: fs.readdirSync(parent) }).toEqual({ step: i + 1, left: after ? [path.basename(out)] : [] });
    recovered.push(after);

    replaceFolder(out, rendered(NEWER));
    expect(readTree(out)).toEqual(asTree(NEWER));
    expect(fs.readdirSync(parent)).toEqual([path.basename(out)]);
  });
  return { steps, calls, seen, recovered };
}

test('a replace killed at any step leaves the old or the new output, and recovery cleans up after it', async () => {
  const dead = deadPid();
  const { steps, calls, seen, recovered } = await killAtEveryStep({
    setup: (parent) => {
      const out = path.join(parent, 'dist');
      writeTree(out, OLD);
      // A file linked from elsewhere is copied, never linked (the new output would share it).
      fs.linkSync(path.join(out, 'dev/keep.yaml'), path.join(tempDir('stoa-crash-'), 'keep.yaml'));
      // Leftovers of an earlier killed run: their deletion is a step to be killed at too.
      writeTree(path.join(parent, `.dist-next-${dead}-0000000a`), { 'dev/a.yaml': 'partial' });
      writeTree(path.join(parent, `.dist-trash-${dead}-0000000b`), { 'prod/c.yaml': 'c' });
      return out;
    },
    before: asTree(OLD),
  });
  expect(steps).toBeGreaterThan(15);
  expect(calls).toEqual(expect.arrayContaining(['copyFileSync', 'linkSync', 'writeFileSync', 'renameSync', 'rmSync']));
  // The dangerous window was hit: some kills left no dist/ at all until recovery.
  expect(seen.filter((t) => t === undefined).length).toBeGreaterThan(0);
  expect(recovered.filter((t) => t === undefined)).toEqual([]);
  expect(recovered.some((t) => t?.has('dev/gone.yaml'))).toBe(true);
  expect(recovered.some((t) => t?.has('staging/d.yaml'))).toBe(true);
}, 60_000);

test('a first replace killed at any step leaves no output or the complete new one', async () => {
  const { calls, recovered } = await killAtEveryStep({ setup: (parent) => path.join(parent, 'dist'), before: undefined });
  // The swap is the last disk call: until it, there is no output (the full run leaves the new one).
  expect(calls[calls.length - 1]).toBe('renameSync');
  expect(recovered.every((t) => t === undefined)).toBe(true);
}, 60_000);

test('a replace killed at any step while restoring a missing output from an earlier kill leaves the old or the new output', async () => {
  const dead = deadPid();
  const { calls, seen, recovered } = await killAtEveryStep({
    setup: (parent) => {
      writeTree(path.join(parent, `.out.v2-old-${dead}-0000000c`), OLD);
      writeTree(path.join(parent, `.out.v2-next-${dead}-0000000d`), { 'dev/a.yaml': 'partial' });
      return path.join(parent, 'out.v2');
    },
    before: asTree(OLD),
  });
  expect(seen[0]).toBeUndefined();
  expect(recovered.filter((t) => t === undefined)).toEqual([]);
  expect(calls).toContain('linkSync');
  expect(calls).not.toContain('copyFileSync');
}, 60_000);

test('leftovers of dead processes are removed, and nothing else beside the output folder', () => {
  const parent = tempDir();
  const out = path.join(parent, 'dist');
  const elsewhere = tempDir();
  writeTree(elsewhere, { 'keep.yaml': 'keep' });
  const dead = deadPid();
  writeTree(out, OLD);
  const ours = [`.dist-next-${dead}-00000001`, `.dist-old-${dead}-00000002`, `.dist-trash-${dead}-00000003`];
  const notOurs = [
    `.other-next-${dead}-00000004`, `dist-next-${dead}-00000005`, `.dist-next-${dead}-0000000g`,
    `.dist-next-${dead}-00000006-x`, `.dist-new-${dead}-00000007`, '.dist-next-AbC1234',
    '.dist-next-AbC123', '.dist-old-AbC123', // names without a pid (mkdtemp's, of versions before 2025) are no process's
  ];
  for (const name of [...ours, ...notOurs]) writeTree(path.join(parent, name), { 'dev/a.yaml': 'a' });
  // Names like ours that are not real folders: a symlink into another folder, and a file.
  fs.symlinkSync(elsewhere, path.join(parent, `.dist-next-${dead}-00000008`));
  fs.writeFileSync(path.join(parent, `.dist-old-${dead}-00000009`), 'not a folder');
  // A symlink inside a leftover: removed, never followed.
  fs.symlinkSync(elsewhere, path.join(parent, ours[0], 'link'));

  const result = recoverFolder(out);
  expect(result.restored).toBe(false);
  expect([...result.removed].sort()).toEqual(ours.map((n) => path.join(parent, n)).sort());
  expect(readTree(out)).toEqual(asTree(OLD));
  expect(fs.readdirSync(parent).sort()).toEqual(['dist', ...notOurs, `.dist-next-${dead}-00000008`, `.dist-old-${dead}-00000009`].sort());
  expect(readTree(elsewhere)).toEqual(new Map([['keep.yaml', 'keep']]));
});

test('a missing output folder is put back from the previous output of a dead process, not of a live one', () => {
  const parent = tempDir();
  const out = path.join(parent, 'dist');
  const dead = deadPid();
  writeTree(path.join(parent, `.dist-old-${dead}-00000001`), OLD);
  writeTree(path.join(parent, `.dist-next-${dead}-00000002`), { 'dev/a.yaml': 'partial' });
  const result = recoverFolder(out);
  expect(result).toEqual({ restored: true, removed: [path.join(parent, `.dist-next-${dead}-00000002`)] });
  expect(readTree(out)).toEqual(asTree(OLD));
  expect(fs.readdirSync(parent)).toEqual(['dist']);

  // A live process may be between its two renames: its folders are its own.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    const other = path.join(tempDir(), 'dist');
    const mine = [`.dist-old-${live.pid}-00000003`, `.dist-next-${live.pid}-00000004`];
    for (const name of mine) writeTree(path.join(path.dirname(other), name), OLD);
    expect(recoverFolder(other)).toEqual({ restored: false, removed: [] });
    expect(fs.existsSync(other)).toBe(false);
    replaceFolder(other, rendered(NEW));
    expect(readTree(other)).toEqual(asTree(NEW));
    expect(fs.readdirSync(path.dirname(other)).sort()).toEqual(['dist', ...mine].sort());
  } finally {
    live.kill('SIGKILL');
  }
});

test('two processes replacing the same folder at once leave one complete output and no leftovers', async () => {
  const parent = tempDir();
  const out = path.join(parent, 'dist');
  const a = { 'dev/a.yaml': 'a\n', 'dev/sub/a.yaml': 'a\n' };
  const b = { 'dev/b.yaml': 'b\n', 'prod/b.yaml': 'b\n' };
  // Both loop until the same time: 0.6 s is a thousand replaces or more each, and dozens of lost races (a break of the race's
  // handling, e.g. the rename's own error thrown instead of the one below, fails here, also on a busy machine).
  const until = Date.now() + 600;
  const runs = await Promise.all([runChild(out, a, until, 'loop'), runChild(out, b, until, 'loop')]);
  for (const run of runs) {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { done, errors } = JSON.parse(run.stdout) as { done: number; errors: string[] };
    expect(done).toBeGreaterThan(5);
    // The only failure allowed is losing the race between the two renames, and saying so.
    for (const message of errors) expect(message).toMatch(/was replaced by another process while this one was replacing it/);
  }
  expect(labelOf(readTree(out), { a: asTree(a), b: asTree(b) })).toMatch(/^(a|b)$/);
  expect(fs.readdirSync(parent)).toEqual(['dist']);
}, 30_000);

test('the output folder and its subfolders get the mode of a normal checkout (0o777 less the umask), files 0o666 less it', () => {
  const previous = process.umask(0o027);
  try {
    const parent = tempDir();
    const out = path.join(parent, 'dist');
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    replaceFolder(out, rendered(OLD));
    replaceFolder(out, rendered(NEW));
    expect(mode(out)).toBe(0o750);
    expect(mode(path.join(out, 'dev'))).toBe(0o750);
    expect(mode(path.join(out, 'dev/sub'))).toBe(0o750);
    expect(mode(path.join(out, 'dev/sub/b.yaml'))).toBe(0o640);
    // The same as what mkdirSync and writeFileSync make under that umask.
    fs.mkdirSync(path.join(parent, 'plain'));
    fs.writeFileSync(path.join(parent, 'plain/file'), '');
    expect(mode(out)).toBe(mode(path.join(parent, 'plain')));
    expect(mode(path.join(out, 'dev/a.yaml'))).toBe(mode(path.join(parent, 'plain/file')));
  } finally {
    process.umask(previous);
  }
});

test('a file path outside the output folder is refused and nothing is written', () => {
  const parent = tempDir();
  const out = path.join(parent, 'dist');
  replaceFolder(out, rendered(OLD));
  for (const bad of ['../escape.yaml', 'dev/../../escape.yaml', '/abs.yaml', 'dev/..']) {
    expect(() => replaceFolder(out, rendered({ 'dev/a.yaml': 'a', [bad]: 'x' }))).toThrow(/is not inside the output folder/);
  }
  expect(readTree(out)).toEqual(asTree(OLD));
  expect(fs.readdirSync(parent)).toEqual(['dist']);
});
