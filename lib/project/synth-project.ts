import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { ProjectInput } from '../config/load';
import type { RenderedFile } from '../render/render';
import { checkOutputTarget } from '../render/output-target';
import { beginFolderReplace } from '../render/replace-folder';
import { displayPath, listFiles } from '../files';
import { compareStrings } from '../sort';
import { mergeReports, ValidateOptions, validateCheckedObjects, ValidationFailedError, ValidationReport, validateObjects } from '../validate/validate';
import { ObjectInFile, Violation } from '../validate/policy';
import { constructModules } from './construct-modules';
import { openDefaultCache, RenderCache } from './render-cache';
import { planUnits, UnitOutput } from './render-units';
import { defaultWorkerCount, unitOutputs } from './unit-workers';
import { Project, ProjectLocation, projectOf } from './project';
import { snapshotInput } from './input-snapshot';

/**
 * Options of {@link synth}, {@link renderProject} and {@link checkOutput}: the project (a relative
 * `outDir` is relative to the project folder). {@link synth} replaces `outDir` as a whole when
 * everything rendered and validated. A `Project` (from `projectOf()`) is one too.
 */
export interface SynthOptions extends ProjectLocation {
  /**
   * Keep rendered units between runs and reuse those whose inputs did not change (see `RenderCache`):
   * `true` for the project's default folder ({@link defaultCacheDir}), or a folder. Validation always
   * runs on the whole output.
   * @default false
   */
  readonly cache?: boolean | string;
  /**
   * Worker threads that render units while the main thread validates and writes (0: render on the
   * main thread). The output is the same either way.
   * @default - none below 8 units to render (about 200 tenant-environments), else one per core up to 4
   */
  readonly workers?: number;
}

/** What a render produced, before anything is written. */
export interface RenderResult {
  /** Every file, sorted by path. */
  readonly files: readonly RenderedFile[];
  /** Environments rendered, in promotion order. */
  readonly environments: readonly string[];
}

/** What a synth wrote. */
export interface SynthResult {
  /** Paths of the files written (relative to `outDir`), sorted. */
  readonly files: readonly string[];
  /** Environments rendered, in promotion order. */
  readonly environments: readonly string[];
  /** Folder written. */
  readonly outDir: string;
  /** Units taken from the cache and units rendered, and environments whose validation report came from the cache (all 0 without a cache). */
  readonly cache: { readonly hits: number; readonly misses: number; readonly reports: number };
}

/**
 * Loads and validates the input, builds the model, renders every object and
 * validates the output (schemas and policy rules), all in memory. Throws
 * `InputError`, `ConstructValidationError` or `ValidationFailedError`.
 * For large projects prefer {@link synth} and {@link checkOutput}: they hold one environment's objects at a time.
 */
export function renderProject(options: SynthOptions = {}): RenderResult {
  const files = new Map<string, RenderedFile>();
  const { environments } = runPipeline(projectOf(options), options, (f) => files.set(f.path, f));
  return { files: [...files.values()].sort((a, b) => compareStrings(a.path, b.path)), environments };
}

/**
 * Renders and validates everything, then replaces `outDir` in one step. On any
 * error it throws and `outDir` is exactly as it was. Refuses an `outDir` that is
 * not an earlier output (see {@link checkOutputTarget}). Files are written as they are
 * rendered, environment by environment, into a folder beside `outDir` that only takes its
 * place when the whole output validated.
 */
export function synth(options: SynthOptions = {}): SynthResult {
  const project = projectOf(options);
  checkOutputTarget(project.projectDir, project.outDir);
  const replacement = beginFolderReplace(project.outDir);
  const written = new Set<string>();
  try {
    const { environments, cache } = runPipeline(project, options, (f) => {
      replacement.write(f.path, f.content);
      written.add(f.path);
    }, true);
    replacement.commit();
    return { files: [...written].sort(compareStrings), environments, outDir: project.outDir, cache };
  } catch (e) {
    replacement.abort();
    throw e;
  }
}

interface PipelineResult {
  readonly environments: readonly string[];
  readonly cache: SynthResult['cache'];
}

/**
 * The project's synth pipeline: loads the input, renders it unit by unit (see `RenderUnit`) and
 * hands each file to `emit` (once; again, with the same path, only when units disagreed and the
 * project is rendered whole), then validates each environment's objects when its last unit is
 * in, so memory holds one environment's objects, never the whole output. Throws on the first
 * invalid input or model, or with every violation once all environments are validated.
 */
function runPipeline(project: Project, options: SynthOptions, emit: (file: RenderedFile) => void, prune = false): PipelineResult {
  const cache = options.cache === true ? openDefaultCache(project.projectDir) : options.cache ? new RenderCache(path.resolve(project.projectDir, options.cache)) : undefined;
  const input = snapshotInput(project, cache);
  const validation: ValidateOptions = { displayPrefix: `${displayPath(project.projectDir, project.outDir)}/` };
  let reports: ValidationReport[];
  try {
    reports = renderByUnits(project, input, validation, emit, cache, options.workers);
  } catch (e) {
    if (!(e instanceof UnitDoubt)) throw e;
    // The units of an environment disagree on a file they share: render each environment whole,
    // without the cache, which gives the one true output (or the model's own error).
    reports = renderWhole(project, input, validation, emit, e.emitted);
  }
  const report = mergeReports(reports);
  if (!report.ok) throw new ValidationFailedError(report);
  // Only a run over the project's own current sources knows which entries are no longer needed.
  if (prune) cache?.prune();
  return { environments: input.environments.map((e) => e.name), cache: { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, reports: cache?.reportHits ?? 0 } };
}

/** Objects above which an environment's validation starts from a full garbage collection (memory peaks there). */
const LARGE_ENVIRONMENT = 50_000;

/** A full garbage collection, where V8 lets a process ask for one (`--expose-gc`, set at run time); else nothing. */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    /* only a lower peak is lost */
  }
}

/** What an environment's report depends on besides the library: its files (by path and digest), facts, options and schema findings. */
function reportKey(env: string, digests: ReadonlyMap<string, string>, facts: UnitOutput['validation'], validation: ValidateOptions, schemaViolations: readonly Violation[]): string {
  const hash = crypto.createHash('sha256').update(`report\0${env}\0`);
  hash.update(JSON.stringify({ facts, prefix: validation.displayPrefix, schemaViolations })).update('\0');
  for (const p of [...digests.keys()].sort(compareStrings)) hash.update(`${p}\0${digests.get(p)}\0`);
  return hash.digest('hex');
}

/** Units of one environment produced different content for the same file. */
class UnitDoubt extends Error {
  constructor(public readonly emitted: ReadonlySet<string>, file: string) {
    super(`units disagree on ${file}`);
  }
}

function renderByUnits(
  project: Project, input: ProjectInput, validation: ValidateOptions, emit: (file: RenderedFile) => void, cache: RenderCache | undefined, workerCount: number | undefined,
): ValidationReport[] {
  const reports: ValidationReport[] = [];
  const emitted = new Set<string>();
  const units = planUnits(input); // environment by environment
  let current: { env: string; digests: Map<string, string>; objects: ObjectInFile[]; schemaViolations: Violation[]; facts: UnitOutput['validation'] } | undefined;
  const finish = () => {
    if (!current) return;
    const { env, objects, facts, schemaViolations, digests } = current;
    current = undefined; // one environment's objects at a time
    // The same files, facts and options always give the same report: an environment whose output
    // did not change is not validated again (the rules are the library's, in the cache key).
    const key = cache && reportKey(env, digests, facts, validation, schemaViolations);
    const known = key ? cache!.getReport(key) : undefined;
    if (known) {
      reports.push(known);
      return;
    }
    // The rules build their indexes over the whole environment: first give back what rendering left behind.
    if (objects.length > LARGE_ENVIRONMENT) collectGarbage();
    const report = validateEnvironment(env, objects, validation, facts, schemaViolations);
    if (key) cache!.putReport(key, report);
    reports.push(report);
  };
  // Workers pay off for what is to be rendered, not for what the cache has.
  const toRender = cache ? units.filter((u) => !cache.has(u, project.catalog)).length : units.length;
  for (const { unit, output } of unitOutputs(units, project.catalog, cache, workerCount ?? defaultWorkerCount(toRender))) {
    if (current?.env !== unit.environment.name) {
      finish();
      current = { env: unit.environment.name, digests: new Map(), objects: [], schemaViolations: [], facts: output.validation };
    }
    const fresh = new Set<string>();
    for (const file of output.files) {
      const digest = crypto.createHash('sha1').update(file.content).digest('base64');
      const before = current.digests.get(file.path);
      if (before !== undefined) {
        if (before !== digest) throw new UnitDoubt(emitted, file.path);
        continue;
      }
      current.digests.set(file.path, digest);
      emitted.add(file.path);
      fresh.add(file.path);
      emit(file);
      current.objects.push({ path: file.path, object: file.object });
    }
    // A file every unit of the environment renders (the environment's own) is checked once.
    for (const v of output.schemaViolations) if (fresh.has(v.file)) current.schemaViolations.push(v);
  }
  finish();
  return reports;
}

function renderWhole(project: Project, input: ProjectInput, validation: ValidateOptions, emit: (file: RenderedFile) => void, emitted: ReadonlySet<string>): ValidationReport[] {
  const { buildPlatform, renderConstructs, environmentValidationOf } = constructModules();
  const app = buildPlatform(input, project.catalog);
  const files = renderConstructs(app);
  const facts = environmentValidationOf(app);
  const produced = new Set(files.map((f) => f.path));
  const stale = [...emitted].filter((p) => !produced.has(p));
  if (stale.length > 0) throw new Error(`internal error: the units rendered ${stale[0]}, which the whole project does not; please report it`);
  for (const f of files) emit(f);
  return input.environments.map((e) => validateEnvironment(e.name, files.filter((f) => f.path.startsWith(`${e.name}/`)), validation, facts));
}

/** Validates one environment's objects, with what its Environment construct says of its cluster. */
function validateEnvironment(env: string, objects: readonly ObjectInFile[], validation: ValidateOptions, facts: UnitOutput['validation'], schemaViolations?: readonly Violation[]): ValidationReport {
  const options = { ...validation, readOnlyEnvironments: facts.readOnlyEnvironments ?? [], environments: { [env]: facts.environments?.[env] ?? {} } };
  return schemaViolations ? validateCheckedObjects(objects, schemaViolations, options) : validateObjects(objects, options);
}

/** How the committed output differs from what the sources produce. */
export interface OutputCheck {
  /** True when the output folder is exactly what synth would write. */
  readonly upToDate: boolean;
  /** Files synth would add, relative to the output folder. */
  readonly missing: readonly string[];
  /** Files synth would remove. */
  readonly extra: readonly string[];
  /** Files whose content would change. */
  readonly changed: readonly string[];
}

/**
 * Renders and compares with `outDir` without writing anything (`synth --check`): file by file as
 * they are rendered, holding one environment's objects at a time.
 */
export function checkOutput(options: SynthOptions = {}): OutputCheck {
  const project = projectOf(options);
  const { outDir } = project;
  const actual = new Set(listFiles(outDir));
  const expected = new Set<string>();
  const changed = new Set<string>();
  // Only regular files are read: a symlink, pipe or socket in place of a file is never what synth writes.
  const differs = (f: RenderedFile) => !fs.lstatSync(path.join(outDir, f.path)).isFile() || fs.readFileSync(path.join(outDir, f.path), 'utf8') !== f.content;
  runPipeline(project, options, (f) => {
    expected.add(f.path);
    changed.delete(f.path);
    if (actual.has(f.path) && differs(f)) changed.add(f.path);
  });
  const missing = [...expected].filter((f) => !actual.has(f)).sort(compareStrings);
  const extra = [...actual].filter((f) => !expected.has(f)).sort(compareStrings);
  return { upToDate: missing.length + extra.length + changed.size === 0, missing, extra, changed: [...changed].sort(compareStrings) };
}
