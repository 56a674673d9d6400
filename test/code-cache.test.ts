import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadWithCodeCache } from '../lib/validate/code-cache';
import { loadPrecompiled } from '../lib/validate/crd-validators';
import { DEFAULT_CRD_SCHEMA_DIR } from '../lib/validate/schema-catalog';
import { tempDir } from './helpers';

const VALIDATORS = path.join(path.dirname(DEFAULT_CRD_SCHEMA_DIR), 'validators');
const PROJECT = path.join(VALIDATORS, 'argoproj.io', 'v1alpha1', 'AppProject.js');
const SOURCE = fs.readFileSync(PROJECT, 'utf8');

type Validator = ((o: unknown) => boolean) & { errors?: unknown };

const good = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p' }, spec: { sourceRepos: ['https://g'] } };
const bad = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'p' }, spec: { sourceRepos: 'https://g', extra: 1 } };

/** What the validator says of the good and the bad object, as plain data. */
function verdicts(validate: Validator) {
  const out: unknown[] = [];
  for (const o of [good, bad, good]) out.push(validate(o), JSON.parse(JSON.stringify(validate.errors ?? null)));
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const expected = verdicts(require(PROJECT));

/**
 * A copy of a validator at a path of its own (same group/version/kind folders): V8 keeps compiled
 * scripts in memory by file name, so only a name it has not seen in this process reads the cache.
 */
function copyOf(file: string): string {
  const copy = path.join(tempDir('stoa-module-'), ...file.split(path.sep).slice(-3));
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(file, copy);
  return copy;
}

/** The runtime part of an entry's name. */
const RUNTIME = `node-${process.version}-${process.versions.modules}-${process.arch}`.replace(/[^\w.-]/g, '_');

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

test('a validator loaded through the code cache judges as the module itself, and its compiled code is kept after the first call', () => {
  const cache = path.join(tempDir('stoa-v8-'), 'v8');
  const first = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  expect(entries(cache)).toEqual([]); // written once the first call compiled what it needed
  expect(verdicts(first)).toEqual(expected);
  expect(entries(cache)).toEqual([`argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`]);

  // The next load takes the kept code (V8 accepts it) and writes nothing.
  const file = path.join(cache, entries(cache)[0]);
  const before = fs.statSync(file, { bigint: true });
  const second = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  expect(verdicts(second)).toEqual(expected);
  const after = fs.statSync(file, { bigint: true });
  expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
});

/** Runs `load` and returns what it warned of (process.emitWarning), by type and message. */
function warningsOf(load: () => void): string[] {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', listener);
  const emit = jest.spyOn(process, 'emitWarning').mockImplementation(((w: string, type: string) => listener(Object.assign(new Error(w), { name: type }))) as any);
  try {
    load();
  } finally {
    emit.mockRestore();
    process.off('warning', listener);
  }
  return seen;
}

/** Ways a cache entry gets damaged or forged: each must be refused with a warning, and never reach V8. */
const TAMPERING: Record<string, (file: string, other: string) => void> = {
  'bytes flipped in the code': (file) => {
    const data = fs.readFileSync(file);
    for (let i = data.length - 2000; i < data.length; i += 97) data[i] ^= 0xff;
    fs.writeFileSync(file, data);
  },
  'cut short': (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2)),
  'replaced by other data': (file) => fs.writeFileSync(file, Buffer.from('not V8 code cache data at all')),
  'swapped with another module\'s entry': (file, other) => fs.copyFileSync(other, file),
  'a symbolic link': (file, other) => {
    fs.rmSync(file);
    fs.symlinkSync(other, file);
  },
};

test.each(Object.keys(TAMPERING))('a code cache entry %s is refused with a warning, compiled past and written again', (how) => {
  const cache = tempDir('stoa-v8-');
  (loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator)(good);
  const keda = path.join(VALIDATORS, 'keda.sh', 'v1alpha1', 'ScaledObject.js');
  (loadWithCodeCache(copyOf(keda), fs.readFileSync(keda, 'utf8'), cache) as Validator)({});
  const file = path.join(cache, `argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`);
  const other = path.join(cache, `keda_sh_v1alpha1_ScaledObject_js.${RUNTIME}.bin`);
  TAMPERING[how](file, other);
  let damaged: Validator | undefined;
  const warnings = warningsOf(() => {
    damaged = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  });
  expect(warnings).toEqual([expect.stringMatching(/^StoaCacheWarning: cache entry .*AppProject_js\.node-\S*\.bin is not used: /)]);
  expect(verdicts(damaged!)).toEqual(expected);
  expect(fs.lstatSync(file).isFile()).toBe(true);
  expect(fs.readFileSync(file).length).toBeGreaterThan(1000);
  // The new entry is used as it is, without a warning.
  expect(warningsOf(() => verdicts(loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator))).toEqual([]);
});

test('a damaged code cache entry never crashes the process (a child process loads it)', () => {
  const cache = tempDir('stoa-v8-');
  const script = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); const { loadWithCodeCache } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'validate', 'code-cache.ts'))});
    const fs = require('fs'); const v = loadWithCodeCache(process.argv[1], fs.readFileSync(process.argv[1], 'utf8'), process.argv[2]); v({}); console.log(typeof v);`;
  const run = () => spawnSync(process.execPath, ['-e', script, copyOf(PROJECT), cache], { encoding: 'utf8' });
  expect(run()).toMatchObject({ status: 0, stdout: 'function\n' });
  TAMPERING['bytes flipped in the code'](path.join(cache, `argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`), '');
  const damaged = run();
  expect(damaged).toMatchObject({ status: 0, stdout: 'function\n' });
  expect(damaged.stderr).toContain('StoaCacheWarning');
});

test('an entry of an older source of the same module is replaced when the new one is written; other modules keep theirs', () => {
  const cache = tempDir('stoa-v8-');
  const older = `${SOURCE}\n// an older build\n`;
  (loadWithCodeCache(copyOf(PROJECT), older, cache) as Validator)(good);
  const other = path.join(VALIDATORS, 'keda.sh', 'v1alpha1', 'ScaledObject.js');
  (loadWithCodeCache(copyOf(other), fs.readFileSync(other, 'utf8'), cache) as Validator)({});
  const keda = fs.readFileSync(path.join(cache, `keda_sh_v1alpha1_ScaledObject_js.${RUNTIME}.bin`));
  const olderEntry = fs.readFileSync(path.join(cache, `argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`));
  const warnings = warningsOf(() => (loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator)(good));
  expect(warnings).toEqual([expect.stringContaining('it holds another entry')]);
  expect(entries(cache)).toEqual([`argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`, `keda_sh_v1alpha1_ScaledObject_js.${RUNTIME}.bin`]);
  expect(fs.readFileSync(path.join(cache, `keda_sh_v1alpha1_ScaledObject_js.${RUNTIME}.bin`)).equals(keda)).toBe(true);
  expect(fs.readFileSync(path.join(cache, `argoproj_io_v1alpha1_AppProject_js.${RUNTIME}.bin`)).equals(olderEntry)).toBe(false);
});

test('a cache folder that cannot be made or written costs only time', () => {
  const blocked = path.join(tempDir('stoa-v8-'), 'a-file');
  fs.writeFileSync(blocked, 'in the way');
  const validate = loadWithCodeCache(copyOf(PROJECT), SOURCE, path.join(blocked, 'v8')) as Validator;
  expect(verdicts(validate)).toEqual(expected);
  expect(fs.readFileSync(blocked, 'utf8')).toBe('in the way');
});

test('a precompiled validator that is a symbolic link is not loaded (the catalog compiles the schema instead)', () => {
  const dir = tempDir('stoa-validators-');
  const schema = path.join(DEFAULT_CRD_SCHEMA_DIR, 'argoproj.io', 'v1alpha1', 'AppProject.json');
  const text = fs.readFileSync(schema, 'utf8');
  fs.mkdirSync(path.join(dir, 'crds', 'argoproj.io', 'v1alpha1'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'validators', 'argoproj.io', 'v1alpha1'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'crds', 'argoproj.io', 'v1alpha1', 'AppProject.json'), text);
  const link = path.join(dir, 'validators', 'argoproj.io', 'v1alpha1', 'AppProject.js');
  fs.symlinkSync(PROJECT, link);
  expect(loadPrecompiled(path.join(dir, 'crds', 'argoproj.io', 'v1alpha1', 'AppProject.json'), text, path.join(dir, 'crds'), path.join(dir, 'validators'), undefined)).toBeUndefined();
  fs.rmSync(link);
  fs.copyFileSync(PROJECT, link);
  const copied = loadPrecompiled(path.join(dir, 'crds', 'argoproj.io', 'v1alpha1', 'AppProject.json'), text, path.join(dir, 'crds'), path.join(dir, 'validators'), undefined) as Validator;
  expect(verdicts(copied)).toEqual(expected);
});
