import * as fs from 'fs';
import * as path from 'path';
import { loadProjectInput } from './config/load';
import { buildPlatform, validationOptionsOf } from './platform/build-platform';
import { renderApp } from './app/synth-app';
import { RenderedFile } from './render/render';
import { checkOutputTarget } from './render/output-target';
import { replaceFolder } from './render/replace-folder';
import { displayPath, listFiles } from './files';
import { compareStrings } from './sort';
import { ComponentCatalog } from './platform/catalog';

/** Options of {@link synth}, {@link render} and {@link checkOutput}. */
export interface SynthOptions {
  /**
   * Project folder holding `environments/` and `tenants/`.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /**
   * Output folder; {@link synth} replaces it as a whole when everything rendered and validated.
   * @default '<projectDir>/dist'
   */
  readonly outDir?: string;
  /**
   * The platform components environment files may run (besides their own `extraComponents`).
   * @default ComponentCatalog.stoa()
   */
  readonly catalog?: ComponentCatalog;
}

/** What a render produced, before anything is written. */
export interface RenderResult {
  /** Every file, sorted by path. */
  readonly files: readonly RenderedFile[];
  /** Environments rendered, in promotion order. */
  readonly environments: readonly string[];
}

/** What a synth wrote. */
export interface SynthResult extends RenderResult {
  /** Folder written. */
  readonly outDir: string;
}

/**
 * Loads and validates the input, builds the model, renders every object and
 * validates the output (schemas and policy rules), all in memory. Throws
 * `InputError`, `ConstructValidationError` or `ValidationFailedError`.
 */
export function render(options: SynthOptions = {}): RenderResult {
  const projectDir = projectDirOf(options);
  const input = loadProjectInput({
    environmentsDir: path.join(projectDir, 'environments'),
    tenantsDir: path.join(projectDir, 'tenants'),
    displayRoot: projectDir,
    catalog: options.catalog,
  });
  // The same pipeline as any app's (renderApp/synthApp), over the model built from the files.
  const files = renderApp(buildPlatform(input, options.catalog), {
    ...validationOptionsOf(input.environments),
    displayPrefix: `${displayPath(projectDir, outDirOf(options))}/`,
  });
  return { files, environments: input.environments.map((e) => e.name) };
}

/**
 * Renders and validates everything, then replaces `outDir` in one step. On any
 * error it throws and `outDir` is exactly as it was. Refuses an `outDir` that is
 * not an earlier output (see {@link checkOutputTarget}).
 */
export function synth(options: SynthOptions = {}): SynthResult {
  const outDir = outDirOf(options);
  checkOutputTarget(projectDirOf(options), outDir);
  const result = render(options);
  replaceFolder(outDir, result.files);
  return { ...result, outDir };
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

/** Renders in memory and compares with `outDir` without writing anything (`synth --check`). */
export function checkOutput(options: SynthOptions = {}): OutputCheck {
  const expected = new Map(render(options).files.map((f) => [f.path, f.content]));
  const outDir = outDirOf(options);
  const actual = new Set(listFiles(outDir));
  const missing = [...expected.keys()].filter((f) => !actual.has(f));
  const extra = [...actual].filter((f) => !expected.has(f)).sort(compareStrings);
  // Only regular files are read: a symlink, pipe or socket in place of a file is never what synth writes.
  const differs = (f: string) => !fs.lstatSync(path.join(outDir, f)).isFile() || fs.readFileSync(path.join(outDir, f), 'utf8') !== expected.get(f);
  const changed = [...expected.keys()].filter((f) => actual.has(f) && differs(f));
  return { upToDate: missing.length + extra.length + changed.length === 0, missing, extra, changed };
}

function projectDirOf(options: Pick<SynthOptions, 'projectDir'>): string {
  return path.resolve(options.projectDir ?? process.cwd());
}

function outDirOf(options: SynthOptions): string {
  return path.resolve(options.outDir ?? path.join(projectDirOf(options), 'dist'));
}

