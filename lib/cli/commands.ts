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

/** `synth`: render, validate and replace dist/. Returns the exit code. */
export function synthCommand(options: SynthCommandOptions, io: Output = PROCESS_OUTPUT): number {
  const project = projectOfFlags(options);
  if (options.shard !== undefined) return shardCommand(options, io);
  return guarded(io, 'synth failed; dist/ was not changed.', () => {
    const flags = renderFlags(options);
    if (flags.cache) enableCodeCache(); // the everyday loop's caches: every entry checked; CI's check reads none
    const result = synth({ ...project, ...flags });
    copyOutput(result.outDir, options.copyTo);
    const reused = result.cache.hits > 0 ? `; ${result.cache.hits} of ${result.cache.hits + result.cache.misses} units from the cache` : '';
    io.out(`stoa-manifests: wrote ${result.files.length} files to ${displayPath(project.projectDir, result.outDir)}/ (${result.environments.join(', ')})${reused}`);
    return 0;
  });
}

function shardCommand(options: SynthCommandOptions, io: Output): number {
  return guarded(io, 'synth --shard failed; the shard folder was not changed.', () => {
    if (options.out === undefined) throw new Error('--shard needs --out <dir>: a folder of its own for this shard (merge-shards puts them together into dist/)');
    const result = synthShard({ ...projectOfFlags(options), shard: parseShard(options.shard!) });
    io.out(`stoa-manifests: shard ${options.shard}: ${result.units.length} units, ${result.files} files in ${displayPath(process.cwd(), result.outDir)}/ (validate the whole with merge-shards)`);
    return 0;
  });
}

/** `merge-shards <dir...>`: put every shard of one run together into dist/, validated as a whole. */
export function mergeShardsCommand(dirs: readonly string[], options: ProjectOptions, io: Output = PROCESS_OUTPUT): number {
  const project = projectOfFlags(options);
  return guarded(io, 'merge-shards failed; dist/ was not changed.', () => {
    const report = mergeShards({ ...project, shardDirs: dirs.map((d) => path.resolve(d)) });
    io.out(`stoa-manifests: merged ${dirs.length} shards into ${displayPath(project.projectDir, project.outDir)}/: ${report.objects} objects valid`);
    return 0;
  });
}

function renderFlags(options: RenderFlags): { cache: boolean; workers?: number } {
  let workers: number | undefined;
  if (options.workers !== undefined) {
    if (!/^[0-9]{1,2}$/.test(options.workers)) throw new Error(`--workers must be a whole number from 0 to 99 (got ${JSON.stringify(options.workers)})`);
    workers = Number(options.workers);
  }
  return { cache: options.cache ?? true, workers };
}

/** `synth --check`: fail when dist/ is not exactly what the sources produce. */
export function checkCommand(options: ProjectOptions & RenderFlags, io: Output = PROCESS_OUTPUT): number {
  const project = projectOfFlags(options);
  return guarded(io, 'check failed.', () => {
    const result = checkOutput({ ...project, workers: renderFlags(options).workers });
    const where = displayPath(project.projectDir, project.outDir);
    if (result.upToDate) {
      io.out(`stoa-manifests: ${where}/ is up to date`);
      return 0;
    }
    const lines = [
      ...result.missing.map((f) => `  missing  ${where}/${f}`),
      ...result.extra.map((f) => `  extra    ${where}/${f}`),
      ...result.changed.map((f) => `  changed  ${where}/${f}`),
    ];
    io.err(`stoa-manifests: ${where}/ is not what the sources produce (${lines.length} file${lines.length === 1 ? '' : 's'}); run synth and commit the result:\n${lines.join('\n')}`);
    return 1;
  });
}

/** Options of {@link validateCommand}. */
export interface ValidateCommandOptions extends ProjectOptions {
  /**
   * Report format.
   * @default 'text'
   */
  readonly format?: 'text' | 'json';
  /**
   * Kubernetes minor version (`1.30`) of every environment's cluster, when no environment files say it.
   * @default - the environment files' versions, else the oldest supported (1.28)
   */
  readonly kubernetesVersion?: string;
}

/** `validate [dir]`: schemas and policy rules over a rendered folder. */
export function validateCommand(dir: string | undefined, options: ValidateCommandOptions, io: Output = PROCESS_OUTPUT): number {
  const project = projectOfFlags(options);
  const target = dir === undefined ? project.outDir : path.resolve(dir);
  const format = options.format ?? 'text';
  return guarded(io, 'validate failed.', () => {
    const environments = fs.existsSync(project.environmentsDir) ? projectEnvironments(project) : undefined;
    const version = options.kubernetesVersion;
    if (version !== undefined && !/^1\.[0-9]{2}$/.test(version)) throw new Error(`--kubernetes-version must be a minor version such as 1.30 (got ${JSON.stringify(version)})`);
    if (version !== undefined && environments) throw new Error('--kubernetes-version is for a folder without environment files; here environments/ gives each cluster\'s version');
    const report = validateFolder(target, {
      ...(environments && constructModules().validationOptionsOf(environments)),
      // Without environment files, every environment folder of the output is taken to run `version`.
      ...(version !== undefined && { environments: Object.fromEntries(environmentFoldersOf(target).map((env) => [env, { kubernetesVersion: version }])) }),
      displayPrefix: `${displayPath(process.cwd(), target)}/`,
    });
    // JSON is for tools: always on stdout, the exit code says pass or fail.
    (report.ok || format === 'json' ? io.out : io.err)(formatReport(report, format));
    return report.ok ? 0 : 1;
  });
}

/** The top folders of an output (its environments). */
function environmentFoldersOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Runs `body`; prints an error a person can act on instead of a stack trace for expected failures. */
export function guarded(io: Output, headline: string, body: () => number): number {
  try {
    return body();
  } catch (e) {
    io.err(`stoa-manifests: ${headline}\n${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

