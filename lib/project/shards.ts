import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { listFiles } from '../files';
import { beginFolderReplace } from '../render/replace-folder';
import { checkOutputTarget } from '../render/output-target';
import { readOutputFolder } from '../validate/output-files';
import { mergeReports, ValidationFailedError, ValidationReport, validateObjects } from '../validate/validate';
import { compareStrings } from '../sort';
import { libraryFingerprint } from './render-cache';
import { planUnits, renderUnit, Shard, unitsOfShard } from './render-units';
import { projectInput, ProjectLocation, projectOf } from './project';
import { constructModules } from './construct-modules';
import { displayPath } from '../files';
import { ProjectInput } from '../config/load';
import { ComponentCatalog } from '../config/component-catalog';

/** The file a shard writes beside its manifests: which slice it is of which input. */
export const SHARD_MANIFEST = 'stoa-shard.json';

/** Options of {@link synthShard}. */
export interface ShardOptions extends ProjectLocation {
  /** The slice to render (`{ index: 1, count: 4 }` for `--shard 1/4`). */
  readonly shard: Shard;
}

/** What a shard wrote. */
export interface ShardResult {
  /** The shard folder (replaced as a whole). */
  readonly outDir: string;
  /** Units rendered, e.g. `dev/3`. */
  readonly units: readonly string[];
  /** Files written (besides {@link SHARD_MANIFEST}). */
  readonly files: number;
}

interface ShardManifest {
  readonly index: number;
  readonly count: number;
  /** Hash of every input and of the library: shards merge only when all were made from the same. */
  readonly input: string;
  readonly units: readonly string[];
}

/**
 * Renders one deterministic slice of a project (`synth --shard i/n`) into `outDir`: the units
 * dealt to shard `i` of `n` (see `unitsOfShard`), each checked by its constructs, plus a
 * {@link SHARD_MANIFEST}. The policy rules need whole environments, so they run in
 * {@link mergeShards}. Runs of the same input on different machines give the same slices.
 */
export function synthShard(options: ShardOptions): ShardResult {
  const project = projectOf(options);
  checkOutputTarget(project.projectDir, project.outDir);
  const input = projectInput(project);
  const units = unitsOfShard(planUnits(input), options.shard);
  const replacement = beginFolderReplace(project.outDir);
  const written = new Map<string, string>();
  try {
    for (const unit of units) {
      for (const file of renderUnit(unit, project.catalog).files) {
        const before = written.get(file.path);
        if (before !== undefined && before !== file.content) throw new Error(`units of ${unit.environment.name} disagree on ${file.path}: run synth without --shard`);
        if (before === undefined) replacement.write(file.path, file.content);
        written.set(file.path, file.content);
      }
    }
    const manifest: ShardManifest = { index: options.shard.index, count: options.shard.count, input: inputHash(input, project.catalog), units: units.map((u) => u.id) };
    replacement.write(SHARD_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
    replacement.commit();
  } catch (e) {
    replacement.abort();
    throw e;
  }
  return { outDir: project.outDir, units: units.map((u) => u.id), files: written.size };
}

/** Options of {@link mergeShards}. */
export interface MergeOptions extends ProjectLocation {
  /** The folders {@link synthShard} wrote, every shard of one run (any order). */
  readonly shardDirs: readonly string[];
}

/**
 * Puts the shards of one run together into `outDir` and validates the whole, environment by
 * environment, exactly as synth would: every shard 1..n of the same input and library must be
 * there once, a file two shards hold must be identical, and on any violation `outDir` stays as it
 * was. Returns the validation report (ok).
 */
export function mergeShards(options: MergeOptions): ValidationReport {
  const project = projectOf(options);
  checkOutputTarget(project.projectDir, project.outDir);
  const input = projectInput(project);
  const manifests = options.shardDirs.map((dir) => ({ dir: path.resolve(dir), manifest: readManifest(dir) }));
  checkComplete(manifests, inputHash(input, project.catalog), planUnits(input).map((u) => u.id));

  // Validated in the folder being written, so it is always written (never left in place).
  const replacement = beginFolderReplace(project.outDir, { keepUnchanged: false });
  try {
    const from = new Map<string, string>();
    for (const { dir } of manifests) {
      for (const rel of listFiles(dir)) {
        if (rel === SHARD_MANIFEST) continue;
        if (!fs.lstatSync(path.join(dir, rel)).isFile()) throw new Error(`${path.join(dir, rel)} is not a regular file; shards hold only what synth --shard wrote`);
        const content = fs.readFileSync(path.join(dir, rel), 'utf8');
        const earlier = from.get(rel);
        if (earlier !== undefined) {
          if (fs.readFileSync(path.join(earlier, rel), 'utf8') !== content) throw new Error(`shards ${earlier} and ${dir} differ on ${rel}`);
          continue;
        }
        from.set(rel, dir);
        replacement.write(rel, content);
      }
    }
    // Validated as written, environment by environment: the same rules and facts as synth.
    const prefix = `${displayPath(project.projectDir, project.outDir)}/`;
    const facts = constructModules().validationOptionsOf(input.environments, project.catalog);
    const { staging } = replacement;
    const reports = input.environments.map((env) => {
      const read = readOutputFolder(path.join(staging, env.name), `${prefix}${env.name}/`);
      const objects = read.objects.map((o) => ({ path: `${env.name}/${o.path}`, object: o.object }));
      const report = validateObjects(objects, {
        displayPrefix: prefix,
        readOnlyEnvironments: facts.readOnlyEnvironments ?? [],
        environments: { [env.name]: facts.environments?.[env.name] ?? {} },
      });
      return { ...report, ok: report.ok && read.violations.length === 0, violations: [...read.violations, ...report.violations] };
    });
    const report = mergeReports(reports);
    if (!report.ok) throw new ValidationFailedError(report);
    replacement.commit();
    return report;
  } catch (e) {
    replacement.abort();
    throw e;
  }
}

function readManifest(dir: string): ShardManifest {
  const file = path.join(dir, SHARD_MANIFEST);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile() || stat.size > 10_000_000) throw new Error(`${dir} is not a shard: no ${SHARD_MANIFEST} (write one with synth --shard i/n --out ${dir})`);
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Number.isInteger(m?.index) || !Number.isInteger(m?.count) || typeof m?.input !== 'string' || !Array.isArray(m?.units)) {
    throw new Error(`${file}: not a shard manifest (index, count, input, units)`);
  }
  return m;
}

function checkComplete(shards: ReadonlyArray<{ dir: string; manifest: ShardManifest }>, input: string, units: readonly string[]): void {
  const count = shards[0]?.manifest.count;
  if (count === undefined) throw new Error('no shard folders given');
  const seen = new Map<number, string>();
  for (const { dir, manifest } of shards) {
    if (manifest.count !== count) throw new Error(`${dir} is shard ${manifest.index}/${manifest.count}, the others are of ${count}`);
    if (manifest.input !== input) throw new Error(`${dir} was rendered from other input or another library version than this project's: render every shard again`);
    const other = seen.get(manifest.index);
    if (other) throw new Error(`shard ${manifest.index}/${count} given twice: ${other} and ${dir}`);
    seen.set(manifest.index, dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new Error(`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
  const rendered = new Set(shards.flatMap((s) => s.manifest.units));
  const notRendered = units.filter((u) => !rendered.has(u));
  if (notRendered.length > 0) throw new Error(`units ${notRendered.slice(0, 5).join(', ')} were rendered by no shard`);
}

/** Every input (as validated) and the library: two shards of the same hash render slices of one output. */
function inputHash(input: ProjectInput, catalog: ComponentCatalog): string {
  const components = catalog.names.map((name) => [name, catalog.spec(name)]);
  return crypto.createHash('sha256').update(libraryFingerprint()).update('\0')
    .update(JSON.stringify({ components, environments: input.environments, tenants: [...input.tenants].sort((a, b) => compareStrings(a.name, b.name)) }))
    .digest('hex');
}
