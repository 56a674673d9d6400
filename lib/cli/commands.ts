import * as fs from 'fs';
import * as path from 'path';
import { displayPath } from '../files';
import { checkOutput, synth } from '../project/synth-project';
import { copyOutput } from '../app/output-pipeline';
import { enableCodeCache } from '../validate/code-cache';
import { mergeShards, synthShard } from '../project/shards';
import { parseShard } from '../project/render-units';
import { formatReport, validateFolder } from '../validate/validate';
import { constructModules } from '../project/construct-modules';
import { Project, projectEnvironments, projectOf } from '../project/project';
import { ExitCode, failureOf, headline, UsageError, Verb } from './exit-codes';

/** Where a command prints. */
export interface Output {
  /** Normal output. */
  out(text: string): void;
  /** Errors. */
  err(text: string): void;
}

/** The process's stdout and stderr. */
export const PROCESS_OUTPUT: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Options shared by the commands: the `--project` and `--out` flags. Like every path on a
 * command line, both are relative to the working directory; `projectOfFlags()` makes them
 * the one project value the library functions take.
 */
export interface ProjectOptions {
  /**
   * Project folder with `environments/` and `tenants/`.
   * @default - the current working directory
   */
  readonly project?: string;
  /**
   * Output folder (relative to the working directory, like `--project`).
   * @default '<project>/dist'
   */
  readonly out?: string;
}

/**
 * `--format` of the verbs that print a result: `text` for people, `json` for tools (one JSON document
 * on stdout, its shape in docs/cli.md).
 */
export type OutputFormat = 'text' | 'json';

/** The project `--project` and `--out` name, resolved from the working directory (see `projectOf()`). */
export function projectOfFlags(options: ProjectOptions): Project {
  return projectOf({ projectDir: path.resolve(options.project ?? '.'), outDir: options.out === undefined ? undefined : path.resolve(options.out) });
}

/** Options of {@link synthCommand} and {@link checkCommand} about how the output is rendered (never what it is). */
export interface RenderFlags {
  /**
   * Reuse rendered units from the project's cache (`--no-cache`: render everything). Only `synth`
   * reads a cache: `synth --check` never does.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Render worker threads, as given on the command line (`0`: render on the main thread).
   * @default - by the project's size (see `SynthOptions.workers`)
   */
  readonly workers?: string;
}

/** Options of {@link synthCommand}. */
export interface SynthCommandOptions extends ProjectOptions, RenderFlags {
  /**
   * What to print: a sentence, or JSON (`outDir`, `changed`, `files`, `environments`, `cache`;
   * with `shard`: `shard`, `outDir`, `units`, `files`).
   * @default 'text'
   */
  readonly format?: OutputFormat;
  /**
   * Render only shard `i/n` of the units into the output folder (`--shard`; merge them with `merge-shards`).
   * @default - the whole project
   */
  readonly shard?: string;
  /**
   * Also write the files here after dist/ is replaced (cdk8s's own output folder, CDK8S_OUTDIR).
   * @default - nowhere else
   */
  readonly copyTo?: string;
}

/**
 * `synth`: render, validate and replace dist/. Says whether anything changed:
 * `wrote 306 files to dist/ (...)`, or `dist/ unchanged, 306 files (...)`. Returns the exit code (docs/cli.md).
 */
export function synthCommand(options: SynthCommandOptions, io: Output = PROCESS_OUTPUT): number {
  if (options.shard !== undefined) return shardCommand(options, io);
  return guarded(io, { name: 'synth', kept: `${keptFolder(options.out)} was not changed` }, () => {
    const project = projectOfFlags(options);
    const flags = renderFlags(options);
    if (flags.cache) enableCodeCache(); // the everyday loop's caches: every entry checked; CI's check reads none
    const result = synth({ ...project, ...flags });
    copyOutput(result.outDir, options.copyTo);
    const where = displayPath(project.projectDir, result.outDir);
    if (options.format === 'json') {
      io.out(json({
        outDir: where, changed: result.changed, files: result.files.length, environments: result.environments,
        cache: { hits: result.cache.hits, misses: result.cache.misses },
      }));
      return ExitCode.OK;
    }
    const reused = result.cache.hits > 0 ? `; ${result.cache.hits} of ${result.cache.hits + result.cache.misses} units from the cache` : '';
    const envs = result.environments.join(', ');
    io.out(result.changed
      ? `stoa-manifests: wrote ${result.files.length} files to ${where}/ (${envs})${reused}`
      : `stoa-manifests: ${where}/ unchanged, ${result.files.length} files (${envs})${reused}`);
    return ExitCode.OK;
  });
}

function shardCommand(options: SynthCommandOptions, io: Output): number {
  return guarded(io, { name: 'synth', kept: 'the shard folder was not changed' }, () => {
    if (options.out === undefined) throw new UsageError('--shard needs --out <dir>: a folder of its own for this shard (merge-shards puts them together into dist/)');
    const shard = shardOf(options.shard!);
    const result = synthShard({ ...projectOfFlags(options), shard });
    const where = displayPath(process.cwd(), result.outDir);
    io.out(options.format === 'json'
      ? json({ shard: options.shard, outDir: where, units: result.units, files: result.files })
      : `stoa-manifests: shard ${options.shard}: ${result.units.length} units, ${result.files} files in ${where}/ (validate the whole with merge-shards)`);
    return ExitCode.OK;
  });
}

/** `--shard i/n`, a usage error when it is not one. */
function shardOf(text: string): ReturnType<typeof parseShard> {
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Options of {@link mergeShardsCommand}. */
export interface MergeShardsCommandOptions extends ProjectOptions {
  /**
   * What to print: a sentence, or JSON (`outDir`, `shards`, `objects`).
   * @default 'text'
   */
  readonly format?: OutputFormat;
}

/** The output folder as the headline names it: `dist/`, or the one `--out` gives. */
function keptFolder(out: string | undefined): string {
  return out === undefined ? 'dist/' : `${out.replace(/\/+$/, '')}/`;
}

/** `merge-shards <dir...>`: put every shard of one run together into dist/, validated as a whole. */
export function mergeShardsCommand(dirs: readonly string[], options: MergeShardsCommandOptions, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'merge-shards', kept: `${keptFolder(options.out)} was not changed` }, () => {
    const project = projectOfFlags(options);
    const report = mergeShards({ ...project, shardDirs: dirs.map((d) => path.resolve(d)) });
    const where = displayPath(project.projectDir, project.outDir);
    io.out(options.format === 'json'
      ? json({ outDir: where, shards: dirs.length, objects: report.objects })
      : `stoa-manifests: merged ${dirs.length} shards into ${where}/: ${report.objects} objects valid`);
    return ExitCode.OK;
  });
}

function renderFlags(options: RenderFlags): { cache: boolean; workers?: number } {
  let workers: number | undefined;
  if (options.workers !== undefined) {
    if (!/^[0-9]{1,2}$/.test(options.workers)) throw new UsageError(`--workers must be a whole number from 0 to 99 (got ${JSON.stringify(options.workers)})`);
    workers = Number(options.workers);
  }
  return { cache: options.cache ?? true, workers };
}

/** Options of {@link checkCommand}. */
export interface CheckCommandOptions extends ProjectOptions, RenderFlags {
  /**
   * What to print: the files that differ, or JSON (`outDir`, `upToDate`, `missing`, `extra`, `changed`), on stdout either way.
   * @default 'text'
   */
  readonly format?: OutputFormat;
}

/** `synth --check`: exit 1 when dist/ is not exactly what the sources produce, listing the files that differ. */
export function checkCommand(options: CheckCommandOptions, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'synth --check' }, () => {
    const project = projectOfFlags(options);
    const result = checkOutput({ ...project, workers: renderFlags(options).workers });
    const where = displayPath(project.projectDir, project.outDir);
    const code = result.upToDate ? ExitCode.OK : ExitCode.NO;
    if (options.format === 'json') {
      io.out(json({ outDir: where, upToDate: result.upToDate, missing: result.missing, extra: result.extra, changed: result.changed }));
      return code;
    }
    if (result.upToDate) {
      io.out(`stoa-manifests: ${where}/ is up to date`);
      return code;
    }
    const lines = [
      ...result.missing.map((f) => `  missing  ${where}/${f}`),
      ...result.extra.map((f) => `  extra    ${where}/${f}`),
      ...result.changed.map((f) => `  changed  ${where}/${f}`),
    ];
    io.err(`stoa-manifests: ${where}/ is not what the sources produce (${lines.length} file${lines.length === 1 ? '' : 's'}); run synth and commit the result:\n${lines.join('\n')}`);
    return code;
  });
}

/** Options of {@link validateCommand}. */
export interface ValidateCommandOptions extends ProjectOptions {
  /**
   * Report format.
   * @default 'text'
   */
  readonly format?: OutputFormat;
  /**
   * Kubernetes minor version (`1.30`) of every environment's cluster, when no environment files say it.
   * @default - the environment files' versions, else the oldest supported (1.28)
   */
  readonly kubernetesVersion?: string;
}

/** `validate [dir]`: schemas and policy rules over a rendered folder. */
export function validateCommand(dir: string | undefined, options: ValidateCommandOptions, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'validate' }, () => {
    const project = projectOfFlags(options);
    const target = dir === undefined ? project.outDir : path.resolve(dir);
    const format = options.format ?? 'text';
    const version = options.kubernetesVersion;
    if (version !== undefined && !/^1\.[0-9]{2}$/.test(version)) throw new UsageError(`--kubernetes-version must be a minor version such as 1.30 (got ${JSON.stringify(version)})`);
    const environments = fs.existsSync(project.environmentsDir) ? projectEnvironments(project) : undefined;
    if (version !== undefined && environments) throw new UsageError('--kubernetes-version is for a folder without environment files; here environments/ gives each cluster\'s version');
    const report = validateFolder(target, {
      ...(environments && constructModules().validationOptionsOf(environments)),
      // Without environment files, every environment folder of the output is taken to run `version`.
      ...(version !== undefined && { environments: Object.fromEntries(environmentFoldersOf(target).map((env) => [env, { kubernetesVersion: version }])) }),
      displayPrefix: `${displayPath(process.cwd(), target)}/`,
    });
    // JSON is for tools: always on stdout, the exit code says pass or fail.
    (report.ok || format === 'json' ? io.out : io.err)(formatReport(report, format));
    return report.ok ? ExitCode.OK : ExitCode.NO;
  });
}

/** The top folders of an output (its environments). */
function environmentFoldersOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** One JSON document as every verb prints it: two-space indented, keys in the order given. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Runs a verb's `body` and returns its exit code. What it throws is printed as a person can act on
 * it, under `stoa-manifests: <verb> <failed|refused>.`, and exits with its code (see `failureOf()`).
 */
export function guarded(io: Output, verb: Verb, body: () => number): number {
  try {
    return body();
  } catch (e) {
    const failure = failureOf(e);
    // A usage error a verb finds itself (an option's value) points where commander's own do.
    const hint = failure.code === ExitCode.USAGE ? `\n(stoa-manifests ${verb.name} --help lists its options)` : '';
    io.err(`${headline(verb, failure.code)}\n${failure.message}${hint}`);
    return failure.code;
  }
}
