import * as crypto from 'crypto';
import * as path from 'path';
import { ProjectInput } from '../config/load';
import type { RenderedFile } from '../render/render';
import { checkOutputTarget } from '../render/output-target';
import { displayPath } from '../files';
import { compareStrings } from '../sort';
import { ValidateOptions, validateCheckedObjects, ValidationReport, validateObjects } from '../validate/validate';
import { collectOutput, compareOutput, OutputBatch, OutputCheck, writeOutput } from '../app/output-pipeline';
import { ObjectInFile, Violation } from '../validate/policy';
import { constructModules } from './construct-modules';
import { openDefaultCache, RenderCache } from './render-cache';
import { planUnits, UnitOutput } from './render-units';
import { defaultWorkerCount, unitOutputs } from './unit-workers';
import { Project, ProjectLocation, projectOf } from './project';
import { snapshotInput } from './input-snapshot';
import { previewInput } from './preview-input';
import { pullRequestNumber } from '../layout/preview-names';

/**
 * Options of {@link renderProject} and {@link checkOutput}: the project (a relative `outDir` is
 * relative to the project folder). A `Project` (from `projectOf()`) is one too. These never read a
 * cache: what they return is always a cold run's.
 */
export interface RenderOptions extends ProjectLocation {
  /**
   * Worker threads that render units while the main thread validates and writes (0: render on the
   * main thread). The output is the same either way.
   * @default - none below 8 units to render (about 200 tenant-environments), else one per core up to 4
   */
  readonly workers?: number;
}

/** Options of {@link synth}: {@link synth} replaces `outDir` as a whole when everything rendered and validated. */
export interface SynthOptions extends RenderOptions {
  /**
   * Keep rendered units between runs and reuse those whose inputs did not change (see `RenderCache`):
   * `true` for the project's default folder ({@link defaultCacheDir}), or a folder. Every entry is
   * checked before use; a damaged one is a warning and is rendered again.
   * @default false
   */
  readonly cache?: boolean | string;
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
  /**
   * Whether the folder changed: false when it already held exactly these files, and was left in place.
   */
  readonly changed: boolean;
  /** Units taken from the cache and units rendered, and environments whose validation report came from the cache (all 0 without a cache). */
  readonly cache: { readonly hits: number; readonly misses: number; readonly reports: number };
}

/**
 * Loads and validates the input, builds the model, renders every object and
 * validates the output (schemas and policy rules), all in memory. Throws
 * `InputError`, `ConstructValidationError` or `ValidationFailedError`.
 * For large projects prefer {@link synth} and {@link checkOutput}: they hold one environment's objects at a time.
 */
export function renderProject(options: RenderOptions = {}): RenderResult {
  const project = projectOf(options);
  const run = projectBatches(project, { workers: options.workers });
  return { files: collectOutput(run.batches), environments: run.environments };
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
  const cache = options.cache === true ? openDefaultCache(project.projectDir) : options.cache ? new RenderCache(path.resolve(project.projectDir, options.cache)) : undefined;
  const run = projectBatches(project, { cache, workers: options.workers });
  const { files, changed } = writeOutput(project.outDir, run.batches);
  // Only a run over the project's own current sources knows which entries are no longer needed.
  cache?.prune();
  return { files, environments: run.environments, outDir: project.outDir, changed, cache: { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0, reports: cache?.reportHits ?? 0 } };
}

/**
 * The project as batches of the synth pipeline (`output-pipeline.ts`), one per environment in
 * promotion order: loads the input, renders it unit by unit (see `RenderUnit`; from the cache when
 * one is given) and validates each environment when its last unit is in, so memory holds one
 * environment's objects, never the whole output. Throws on the first invalid input or model.
 */
function projectBatches(
  project: Project, options: { cache?: RenderCache; workers?: number; input?: (input: ProjectInput) => ProjectInput },
): { environments: string[]; batches: Iterable<OutputBatch> } {
  const loaded = snapshotInput(project, options.cache);
  const input = options.input ? options.input(loaded) : loaded;
  const validation: ValidateOptions = { displayPrefix: `${displayPath(project.projectDir, project.outDir)}/` };
  return { environments: input.environments.map((e) => e.name), batches: environmentBatches(project, input, validation, options.cache, options.workers) };
}

/** What an environment's report depends on besides the library: its files (by path and digest), facts, options and schema findings. */
function reportKey(env: string, digests: ReadonlyMap<string, string>, facts: UnitOutput['validation'], validation: ValidateOptions, schemaViolations: readonly Violation[]): string {
  const hash = crypto.createHash('sha256').update(`report\0${env}\0`);
  hash.update(JSON.stringify({ facts, prefix: validation.displayPrefix, schemaViolations })).update('\0');
  for (const p of [...digests.keys()].sort(compareStrings)) hash.update(`${p}\0${digests.get(p)}\0`);
  return hash.digest('hex');
}

/**
 * One batch per environment, streamed: its units' files go to the output as they are rendered (a
 * file every unit of the environment renders, the environment's own, once; it must be
 * byte-identical in each), and only the objects are kept, for the batch's validation, so memory
 * holds one environment's objects and never the whole output. Units that disagree on a file are a
 * doubt: that environment is rendered whole, without the cache, which gives the one true output
 * (or the model's own error), and its files go out again over what the units wrote.
 */
function* environmentBatches(
  project: Project, input: ProjectInput, validation: ValidateOptions, cache: RenderCache | undefined, workerCount: number | undefined,
): Generator<OutputBatch> {
  const units = planUnits(input); // environment by environment
  // Workers pay off for what is to be rendered, not for what the cache has.
  const toRender = cache ? units.filter((u) => !cache.has(u, project.catalog)).length : units.length;
  const stream = unitOutputs(units, project.catalog, cache, workerCount ?? defaultWorkerCount(toRender));
  // A consumer that stops early (a write or validation error) closes the stream, which ends its worker threads.
  try {
    let next = stream.next();
    while (!next.done) {
      const env = next.value.unit.environment.name;
      const facts = next.value.output.validation;
      const digests = new Map<string, string>();
      const objects: ObjectInFile[] = [];
      const schemaViolations: Violation[] = [];
      let whole: { files: RenderedFile[]; facts: UnitOutput['validation'] } | undefined;
      function* files(): Generator<RenderedFile> {
        let doubt = false;
        for (; !next.done && next.value.unit.environment.name === env; next = stream.next()) {
          const { output } = next.value;
          const fresh = new Set<string>();
          for (const file of output.files) {
            const digest = crypto.createHash('sha1').update(file.content).digest('base64');
            const before = digests.get(file.path);
            if (before !== undefined) {
              if (before !== digest) doubt = true;
              continue;
            }
            digests.set(file.path, digest);
            fresh.add(file.path);
            objects.push({ path: file.path, object: file.object });
            yield file;
          }
          // A file every unit of the environment renders (the environment's own) is checked once.
          for (const v of output.schemaViolations) if (fresh.has(v.file)) schemaViolations.push(v);
        }
        if (!doubt) return;
        whole = renderEnvironmentWhole(project, input, env);
        const produced = new Set(whole.files.map((f) => f.path));
        const stale = [...digests.keys()].find((p) => !produced.has(p));
        if (stale !== undefined) throw new Error(`internal error: the units rendered ${stale}, which the whole environment does not; please report it`);
        yield* whole.files;
      }
      const report = (): ValidationReport => {
        if (whole) return validateEnvironment(env, whole.files, validation, whole.facts);
        // The same files, facts and options always give the same report: an environment whose output
        // did not change is not validated again (the rules are the library's, in the cache key).
        const key = cache && reportKey(env, digests, facts, validation, schemaViolations);
        const known = key ? cache!.getReport(key) : undefined;
        if (known) return known;
        const fresh = validateEnvironment(env, objects, validation, facts, schemaViolations);
        if (key) cache!.putReport(key, fresh);
        return fresh;
      };
      yield { files: files(), report };
    }
  } finally {
    stream.return(undefined);
  }
}

/** One environment rendered as one construct tree, with all its tenants. */
function renderEnvironmentWhole(project: Project, input: ProjectInput, env: string): { files: RenderedFile[]; facts: UnitOutput['validation'] } {
  const { buildPlatform, renderUnvalidated, environmentValidationOf } = constructModules();
  const app = buildPlatform({ environments: input.environments.filter((e) => e.name === env), tenants: input.tenants.filter((t) => t.environments.includes(env) || t.leaving?.includes(env)) }, project.catalog);
  return { files: renderUnvalidated(app), facts: environmentValidationOf(app) };
}

/** Validates one environment's objects, with what its Environment construct says of its cluster. */
function validateEnvironment(env: string, objects: readonly ObjectInFile[], validation: ValidateOptions, facts: UnitOutput['validation'], schemaViolations?: readonly Violation[]): ValidationReport {
  const options = { ...validation, readOnlyEnvironments: facts.readOnlyEnvironments ?? [], environments: { [env]: facts.environments?.[env] ?? {} } };
  return schemaViolations ? validateCheckedObjects(objects, schemaViolations, options) : validateObjects(objects, options);
}

/** Options of {@link renderPreview}. */
export interface PreviewRenderOptions extends RenderOptions {
  /** The pull request whose preview to render. */
  readonly pullRequest: number;
}

/**
 * Renders and validates pull request `pullRequest`'s preview environment, `pr-<n>` (see
 * `previewInput`), from the project's files as they are: the same pipeline and rules as every
 * environment, never a cache. Throws as {@link renderProject} does, or `PreviewError`.
 */
export function renderPreview(options: PreviewRenderOptions): RenderResult {
  const project = projectOf(options);
  const n = pullRequestNumber(options.pullRequest);
  const run = projectBatches(project, { workers: options.workers, input: (input) => previewInput(input, n) });
  return { files: collectOutput(run.batches), environments: run.environments };
}

export type { OutputCheck };

/**
 * Renders and compares with `outDir` without writing anything (`synth --check`): file by file as
 * they are rendered, holding one environment's objects at a time. Never reads a cache: this is the
 * check CI runs, so its answer is always a cold run's.
 */
export function checkOutput(options: RenderOptions = {}): OutputCheck {
  const project = projectOf(options);
  return compareOutput(project.outDir, projectBatches(project, { workers: options.workers }).batches);
}
