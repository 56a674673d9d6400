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

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

test('a validator loaded through the code cache judges as the module itself, and its compiled code is kept after the first call', () => {
  const cache = path.join(tempDir('stoa-v8-'), 'v8');
  const first = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  expect(entries(cache)).toEqual([]); // written once the first call compiled what it needed
  expect(verdicts(first)).toEqual(expected);
  expect(entries(cache)).toEqual([expect.stringMatching(/^argoproj_io_v1alpha1_AppProject_js\.[0-9]+-[a-z0-9]+-[0-9a-f]{32}\.bin$/)]);

  // The next load takes the kept code (V8 accepts it) and writes nothing.
  const file = path.join(cache, entries(cache)[0]);
  const before = fs.statSync(file, { bigint: true });
  const second = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  expect(verdicts(second)).toEqual(expected);
  const after = fs.statSync(file, { bigint: true });
  expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
});

test('cache data V8 rejects (damaged, or made for another source) is compiled past and written again', () => {
  const cache = tempDir('stoa-v8-');
  (loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator)(good);
  const file = path.join(cache, entries(cache)[0]);
  fs.writeFileSync(file, Buffer.from('not V8 code cache data at all'));
  const damaged = loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator;
  expect(verdicts(damaged)).toEqual(expected);
  expect(fs.readFileSync(file).length).toBeGreaterThan(1000);
});

test('an entry of an older source of the same module is removed when the new one is written; other modules keep theirs', () => {
  const cache = tempDir('stoa-v8-');
  const older = `${SOURCE}\n// an older build\n`;
  (loadWithCodeCache(copyOf(PROJECT), older, cache) as Validator)(good);
  const other = path.join(VALIDATORS, 'keda.sh', 'v1alpha1', 'ScaledObject.js');
  (loadWithCodeCache(copyOf(other), fs.readFileSync(other, 'utf8'), cache) as Validator)({});
  const [kedaEntry, olderEntry] = entries(cache).sort((a, b) => (a.startsWith('keda') ? -1 : b.startsWith('keda') ? 1 : 0));
  (loadWithCodeCache(copyOf(PROJECT), SOURCE, cache) as Validator)(good);
  const now = entries(cache);
  expect(now).toHaveLength(2);
  expect(now).toContain(kedaEntry);
  expect(now).not.toContain(olderEntry);
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
