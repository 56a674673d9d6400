import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { userCacheRoot } from '../cache-root';
import { writeFileAtomic } from '../files';
import { readCacheEntry, writeCacheEntry } from '../cache-entry';
import { installedVersion } from '../package-version';
import { ComponentCatalog } from '../config/component-catalog';
import { RenderUnit, UnitOutput } from './render-units';
import type { ValidationReport } from '../validate/validate';
import type { ProjectInput } from '../config/load';
import { DEFAULT_CRD_SCHEMA_DIR } from '../validate/schema-catalog';

/**
 * Rendered units kept on disk between runs, one file per unit named by a hash of everything its
 * output depends on: the unit's environment and tenant configs (as validated), the component
 * catalog, and this library's own code and schemas and the versions of cdk8s, cdk8s-plus and yaml.
 * A change to any of them is another key, so an entry is never stale. Every entry is checked before
 * use (`readCacheEntry`: its key, this library, the length and hash of its content; a regular file):
 * a damaged, swapped or linked entry is a warning and a miss, rendered again and replaced. An entry holds the unit's files and what the checks of each object on its own
 * found. The policy rules relate objects across units, so they run on each environment whole; its
 * report is kept too, named by a hash of every file of the environment (path and bytes), its
 * facts, the options and this library: an environment whose output did not change at all is not
 * validated again.
 */
export class RenderCache {
  private readonly used = new Set<string>();
  /** Units taken from the cache in this run. */
  public hits = 0;
  /** Units rendered in this run. */
  public misses = 0;
  /** Environments whose validation report was taken from the cache in this run. */
  public reportHits = 0;

  /** @param dir folder of the entries (made on first write) */
  constructor(public readonly dir: string) {}

  /** Whether an entry for `unit` is there (it may still turn out unreadable). */
  public has(unit: RenderUnit, catalog: ComponentCatalog): boolean {
    return fs.lstatSync(path.join(this.dir, `${unitKey(unit, catalog)}.json`), { throwIfNoEntry: false })?.isFile() ?? false;
  }

  /** The cached output of `unit`, or undefined. */
  public get(unit: RenderUnit, catalog: ComponentCatalog): UnitOutput | undefined {
    const entry = this.read(unitKey(unit, catalog));
    if (!Array.isArray(entry?.files) || typeof entry.validation !== 'object' || !Array.isArray(entry.schemaViolations)) return undefined;
    this.hits++;
    return { files: entry.files, validation: entry.validation, schemaViolations: entry.schemaViolations };
  }

  /** Stores what `unit` rendered (atomically: a reader sees the whole entry or none). */
  public put(unit: RenderUnit, catalog: ComponentCatalog, output: UnitOutput): void {
    const key = unitKey(unit, catalog);
    this.used.add(key);
    this.misses++;
    this.write(key, { files: output.files, validation: output.validation, schemaViolations: output.schemaViolations });
  }

  /**
   * The validation report of an environment whose files, facts and options hash to `key` (see
   * `reportKey`), if an earlier run validated exactly that; the library's rules are in the key too.
   */
  public getReport(key: string): ValidationReport | undefined {
    const entry = this.read(reportFileKey(key));
    if (typeof entry?.report?.ok !== 'boolean' || !Array.isArray(entry.report.violations)) return undefined;
    this.reportHits++;
    return entry.report;
  }

  /** Stores an environment's report (see {@link RenderCache.getReport}). */
  public putReport(key: string, report: ValidationReport): void {
    const full = reportFileKey(key);
    this.used.add(full);
    this.write(full, { report });
  }

  /** A project's validated input stored under `key` (see `snapshotInput`), if any. */
  public getInput(key: string): ProjectInput | undefined {
    const entry = this.read(inputFileKey('input', key));
    return Array.isArray(entry?.input?.environments) && Array.isArray(entry.input.tenants) ? entry.input : undefined;
  }

  /** Stores a project's validated input under `key`. */
  public putInput(key: string, input: ProjectInput): void {
    const full = inputFileKey('input', key);
    this.used.add(full);
    this.write(full, { input });
  }

  /** What `snapshotInput` remembers of each input file under `key`: its digest and validated value, by `<folder>/<file name>`. */
  public getInputFiles(key: string): Record<string, { readonly digest: string; readonly value: unknown }> | undefined {
    const entry = this.read(inputFileKey('input files', key));
    if (typeof entry?.remembered !== 'object' || entry.remembered === null) return undefined;
    const files: Record<string, { digest: string; value: unknown }> = {};
    for (const [id, f] of Object.entries(entry.remembered as Record<string, any>)) {
      if (typeof f?.digest === 'string' && f.value !== undefined) files[id] = { digest: f.digest, value: f.value };
    }
    return files;
  }

  /** Stores what `snapshotInput` remembers of each input file under `key`. */
  public putInputFiles(key: string, files: Record<string, { readonly digest: string; readonly value: unknown }>): void {
    const full = inputFileKey('input files', key);
    this.used.add(full);
    this.write(full, { remembered: files });
  }

  /**
   * The entry stored under `key` (kept by the next prune), when it passes every check of
   * `readCacheEntry` (regular file, this key, this library, length and hash of its content) and
   * parses; undefined otherwise. A refused entry is a warning and a miss, never output.
   */
  private read(key: string): any {
    this.used.add(key);
    const payload = readCacheEntry(path.join(this.dir, `${key}.json`), key, libraryFingerprint());
    if (payload === undefined) return undefined;
    try {
      return JSON.parse(payload.toString('utf8'));
    } catch {
      return undefined; // cannot happen to an entry this library wrote: its hash matched
    }
  }

  private write(key: string, entry: unknown): void {
    writeCacheEntry(path.join(this.dir, `${key}.json`), key, libraryFingerprint(), JSON.stringify(entry));
  }

  /** Deletes entries this run did not use (call after a run over the whole project). */
  public prune(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const key = name.replace(/\.json$/, '');
      if (/^[0-9a-f]{64}\.json$/.test(name) && this.used.has(key)) continue;
      if (!/^(\.)?[0-9a-f]{64}/.test(name)) continue; // not ours
      try {
        fs.rmSync(path.join(this.dir, name), { force: true });
      } catch {
        /* next time */
      }
    }
  }
}

/**
 * The default cache folder of a project: `node_modules/.cache/stoa-manifests` in the project when
 * it has `node_modules` (where build tools keep theirs), else under the user's cache folder
 * (`$XDG_CACHE_HOME` or `~/.cache`), named by a hash of the project's path.
 */
export function defaultCacheDir(projectDir: string): string {
  const modules = path.join(projectDir, 'node_modules');
  if (fs.existsSync(modules)) return path.join(modules, '.cache', 'stoa-manifests');
  const id = crypto.createHash('sha256').update(path.resolve(projectDir)).digest('hex').slice(0, 16);
  return path.join(sharedCacheRoot(), id);
}

/** The caches of projects without node_modules, each in a folder named by 16 hex digits. */
const sharedCacheRoot = userCacheRoot;

/** The name of the file in a shared-root cache folder that says which project it is for. */
const OWNER_FILE = 'project-path';

/**
 * Opens the default cache of `projectDir`. In the shared root, the folder records its project's path,
 * and the folders of projects that no longer exist (temporary checkouts, CI workspaces) are deleted.
 */
export function openDefaultCache(projectDir: string): RenderCache {
  const dir = defaultCacheDir(projectDir);
  const root = sharedCacheRoot();
  if (path.dirname(dir) === root) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(path.join(dir, OWNER_FILE), path.resolve(projectDir));
      for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
        if (!entry.isDirectory() || !/^[0-9a-f]{16}$/.test(entry.name)) continue;
        let owner: string | undefined;
        try {
          owner = fs.readFileSync(path.join(root, entry.name, OWNER_FILE), 'utf8');
        } catch {
          owner = undefined;
        }
        if (owner !== undefined && !fs.existsSync(owner)) fs.rmSync(path.join(root, entry.name), { recursive: true, force: true });
      }
    } catch {
      /* a cache that cannot be kept tidy only costs space */
    }
  }
  return new RenderCache(dir);
}

/** The file key of what `snapshotInput` stores under `key` (`kind`: the whole input, or its files' values). */
function inputFileKey(kind: 'input' | 'input files', key: string): string {
  return crypto.createHash('sha256').update(`${kind}\0${key}`).digest('hex');
}

/** The file key of a report: a hash of its key and this library (its rules), never a unit's key. */
function reportFileKey(key: string): string {
  return crypto.createHash('sha256').update(libraryFingerprint()).update('\0report\0').update(key).digest('hex');
}

/** The key of a unit's entry: a hash of this library, the component catalog, and the unit's environment and tenants (all a unit's output depends on). */
export function unitKey(unit: RenderUnit, catalog: ComponentCatalog): string {
  const components = catalog.names.map((name) => [name, catalog.spec(name)]);
  return crypto.createHash('sha256')
    .update(libraryFingerprint())
    .update('\0')
    .update(JSON.stringify({ components, environment: unit.environment, tenants: unit.tenants }))
    .digest('hex');
}

let fingerprint: string | undefined;

/**
 * This library's code (every file of its `lib` and `imports` folders, sources or compiled), its
 * schemas (CRD schemas, the core field map) and the
 * versions of the packages rendering depends on: a library change, even unreleased, is a new key.
 */
export function libraryFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = crypto.createHash('sha256');
  const libRoot = path.resolve(__dirname, '..');
  // Precompiled validators are made from the schemas by ajv (and used only when they name the schema's hash): the schemas and ajv's version stand for them.
  const schemas = path.dirname(DEFAULT_CRD_SCHEMA_DIR);
  for (const dir of [libRoot, path.resolve(libRoot, '..', 'imports'), schemas]) {
    for (const file of listCode(dir)) {
      if (file.startsWith(path.join(schemas, 'validators') + path.sep)) continue;
      hash.update(file.slice(dir.length)).update('\0').update(fs.readFileSync(file)).update('\0');
    }
  }
  for (const pkg of ['cdk8s', 'cdk8s-plus-28', 'constructs', 'yaml', 'ajv', 'kubernetes-models']) hash.update(`${pkg}@${installedVersion(pkg) ?? '?'}\0`);
  fingerprint = hash.digest('hex');
  return fingerprint;
}

function listCode(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listCode(full));
    else if (e.isFile() && /\.(ts|js|json)$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.map')) out.push(full);
  }
  return out;
}
