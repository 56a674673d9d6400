import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { checkOutput, synth } from '../lib/project/synth-project';
import { cacheEntries, CacheEntryFile, cacheWarningsOf, forgeEntry } from './cache-entries';
import { exampleProject, readTree, tempDir } from './helpers';

/*
 * No cache can change the output (issue 24): every kind of entry the render cache keeps (a unit's
 * files, an environment's validation report, the validated input, the input files' values), damaged
 * in every way, gives exactly a cold run's output, with a warning naming the entry and never an
 * error that blames a user's file. A forged entry (its header recomputed: anyone who can write the
 * cache can do it) is caught by the check CI runs, which reads no cache.
 */

const TAMPERING: Record<string, (entry: CacheEntryFile, other: CacheEntryFile) => void> = {
  edited: (e) => fs.writeFileSync(e.file, fs.readFileSync(e.file, 'utf8').replace(/"(ok|displayName|name)":/, '"$1" :')),
  'cut short': (e) => fs.truncateSync(e.file, Math.floor(fs.statSync(e.file).size * 0.9)),
  'bytes flipped': (e) => {
    const data = fs.readFileSync(e.file);
    for (let i = data.length - 1; i > data.length / 2; i -= 101) data[i] ^= 0x20;
    fs.writeFileSync(e.file, data);
  },
  'swapped with another entry': (e, other) => {
    const mine = fs.readFileSync(e.file);
    fs.copyFileSync(other.file, e.file);
    fs.writeFileSync(other.file, mine);
  },
  'replaced by a symbolic link': (e, other) => {
    fs.rmSync(e.file);
    fs.symlinkSync(other.file, e.file);
  },
};

let cold: Map<string, string>;
let template: string;
beforeAll(() => {
  template = exampleProject();
  const coldDir = tempDir('stoa-cold-');
  fs.cpSync(template, coldDir, { recursive: true });
  synth({ projectDir: coldDir });
  cold = readTree(path.join(coldDir, 'dist'));
});

/**
 * A copy of the example with a filled cache (in its .cache/, beside the dist/ it wrote): filled once
 * and copied for each test. The entries hold no path, so a copy's cache is the cache a synth there makes.
 */
let filled: string | undefined;
function projectWithCache(options: { withoutDist?: boolean } = {}): { projectDir: string; cacheDir: string } {
  if (filled === undefined) {
    filled = tempDir('stoa-tamper-');
    fs.cpSync(template, filled, { recursive: true });
    synth({ projectDir: filled, cache: path.join(filled, '.cache') });
  }
  const projectDir = tempDir('stoa-tamper-');
  // withoutDist: for a test that removes dist/ first anyway (hundreds of files not copied, then not removed).
  const dist = path.join(filled, 'dist');
  fs.cpSync(filled, projectDir, { recursive: true, filter: (src) => !options.withoutDist || src !== dist });
  return { projectDir, cacheDir: path.join(projectDir, '.cache') };
}

const KINDS = ['unit', 'report', 'input', 'input files'] as const;

describe.each(KINDS)('a %s entry', (kind) => {
  test.each(Object.keys(TAMPERING))('%s: a warning names it, and the output is a cold run\'s', (how) => {
    const { projectDir, cacheDir } = projectWithCache({ withoutDist: true });
    const entries = cacheEntries(cacheDir);
    const target = entries.find((e) => e.kind === kind)!;
    const other = entries.find((e) => e.kind !== kind)!;
    expect(target).toBeDefined();
    TAMPERING[how](target, other);
    expect(fs.existsSync(path.join(projectDir, 'dist'))).toBe(false);
    // The input files' values are read when the input as a whole changed: a comment changes the bytes, not the output.
    if (kind === 'input files') fs.appendFileSync(path.join(projectDir, 'tenants', fs.readdirSync(path.join(projectDir, 'tenants'))[0]), '# reviewed\n');
    const { warnings } = cacheWarningsOf(() => synth({ projectDir, cache: cacheDir }));
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(cold);
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^cache entry ${target.file} is not used: `))]));
    for (const w of warnings) expect(w).not.toMatch(/tenants\/|environments\//);
    // Entries are written anew: the next run takes them without a warning, and still gives the same output.
    const again = cacheWarningsOf(() => synth({ projectDir, cache: cacheDir }));
    expect(again.warnings).toEqual([]);
    expect(readTree(path.join(projectDir, 'dist'))).toEqual(cold);
  });
});

test('a forged unit entry (header recomputed) reaches synth, but never the check CI runs: synth --check reads no cache', () => {
  const { projectDir, cacheDir } = projectWithCache();
  const unit = cacheEntries(cacheDir).find((e) => e.kind === 'unit' && e.payload.files.some((f: any) => f.path.startsWith('prod/tenants/')))!;
  const file = unit.payload.files.find((f: any) => f.path.startsWith('prod/tenants/') && ['Deployment', 'Rollout'].includes(f.object.kind));
  file.content = file.content.replace(/image: (\S+):[^\s]+/, 'image: $1:6.6.6');
  forgeEntry(unit, unit.payload);
  synth({ projectDir, cache: cacheDir });
  expect(fs.readFileSync(path.join(projectDir, 'dist', file.path), 'utf8')).toContain(':6.6.6');
  const check = checkOutput({ projectDir });
  expect(check).toMatchObject({ upToDate: false, changed: [file.path] });
});

test('the CLI: synth warns of a damaged entry in its own voice; synth --check reads and writes no cache, not even the validators\' compiled code', () => {
  const projectDir = tempDir('stoa-cli-cache-');
  fs.cpSync(template, projectDir, { recursive: true });
  const cacheHome = tempDir('stoa-cache-home-');
  const loader = path.join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', `file://${loader}`, path.join(__dirname, '..', 'lib', 'cli', 'main.ts'), ...args, '--project', projectDir], {
    encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome, HOME: cacheHome },
  });
  const listing = () => (fs.existsSync(path.join(cacheHome, 'stoa-manifests')) ? readTree(path.join(cacheHome, 'stoa-manifests')) : new Map());

  expect(run('synth')).toMatchObject({ status: 0, stderr: '' });
  const filled = listing();
  expect([...filled.keys()].some((k) => k.startsWith('v8/'))).toBe(true);
  const projectCache = path.dirname(path.join(cacheHome, 'stoa-manifests', [...filled.keys()].find((k) => k.endsWith('.json'))!));
  fs.appendFileSync(cacheEntries(projectCache).find((e) => e.kind === 'unit')!.file, ' ');
  const warned = run('synth');
  expect(warned.status).toBe(0);
  expect(warned.stderr).toMatch(/^stoa-manifests: warning: cache entry .* is not used: it is cut short or has bytes added; computed again and replaced\n$/);
  expect(readTree(path.join(projectDir, 'dist'))).toEqual(cold);

  // Every entry damaged: check does not notice, because it reads none, and changes none (an entry
  // it wrote, even one of the validators' compiled code, would replace a damaged one or add one).
  for (const [rel] of listing()) fs.appendFileSync(path.join(cacheHome, 'stoa-manifests', rel), 'x');
  const before = listing();
  expect(run('synth', '--check')).toMatchObject({ status: 0, stderr: '', stdout: 'stoa-manifests: dist/ is up to date\n' });
  expect(listing()).toEqual(before);
});
