import * as fs from 'fs';
import * as path from 'path';
import { buildPlatform } from './build-platform';
import { renderApp } from '../app/synth-app';
import { RenderedFile } from '../render/render';
import { checkOutputTarget } from '../render/output-target';
import { replaceFolder } from '../render/replace-folder';
import { displayPath, listFiles } from '../files';
import { compareStrings } from '../sort';
import { projectInput, ProjectLocation, projectOf } from './project';

/**
 * Options of {@link synth}, {@link renderProject} and {@link checkOutput}: the project (a relative
 * `outDir` is relative to the project folder). {@link synth} replaces `outDir` as a whole when
 * everything rendered and validated. A `Project` (from `projectOf()`) is one too.
 */
export interface SynthOptions extends ProjectLocation {}

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
export function renderProject(options: SynthOptions = {}): RenderResult {
  const project = projectOf(options);
  const input = projectInput(project);
  // The same pipeline as any app's (renderApp/synthApp), over the model built from the files;
  // validation learns each environment's cluster from its Environment construct.
  const files = renderApp(buildPlatform(input, project.catalog), {
    displayPrefix: `${displayPath(project.projectDir, project.outDir)}/`,
  });
  return { files, environments: input.environments.map((e) => e.name) };
}

/**
 * Renders and validates everything, then replaces `outDir` in one step. On any
 * error it throws and `outDir` is exactly as it was. Refuses an `outDir` that is
 * not an earlier output (see {@link checkOutputTarget}).
 */
export function synth(options: SynthOptions = {}): SynthResult {
  const project = projectOf(options);
  checkOutputTarget(project.projectDir, project.outDir);
  const result = renderProject(project);
  replaceFolder(project.outDir, result.files);
  return { ...result, outDir: project.outDir };
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
  const project = projectOf(options);
  const expected = new Map(renderProject(project).files.map((f) => [f.path, f.content]));
  const { outDir } = project;
  const actual = new Set(listFiles(outDir));
  const missing = [...expected.keys()].filter((f) => !actual.has(f));
  const extra = [...actual].filter((f) => !expected.has(f)).sort(compareStrings);
  // Only regular files are read: a symlink, pipe or socket in place of a file is never what synth writes.
  const differs = (f: string) => !fs.lstatSync(path.join(outDir, f)).isFile() || fs.readFileSync(path.join(outDir, f), 'utf8') !== expected.get(f);
  const changed = [...expected.keys()].filter((f) => actual.has(f) && differs(f));
  return { upToDate: missing.length + extra.length + changed.length === 0, missing, extra, changed };
}
