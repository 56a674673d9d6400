import * as path from 'path';
import { IConstruct } from 'constructs';
import { RenderedFile, renderConstructs } from '../render/render';
import { replaceFolder } from '../render/replace-folder';
import { ValidateOptions, ValidationFailedError, validateObjects } from '../validate/validate';
import { environmentValidationOf, withGivenValidation } from './environment-facts';

/** Options of {@link synthApp}. */
export interface SynthAppOptions {
  /**
   * Output folder: replaced as a whole when everything rendered and validated.
   * @default 'dist' (relative to the working directory)
   */
  readonly outDir?: string;
  /**
   * What validation knows of the environments (read-only ones, Kubernetes versions, repos), over
   * what the `Environment` constructs of the app say.
   * @default - what the app's `Environment` constructs say
   */
  readonly validation?: ValidateOptions;
}

/** What {@link synthApp} wrote. */
export interface SynthAppResult {
  /** Every file written, sorted by path. */
  readonly files: readonly RenderedFile[];
  /** The folder written. */
  readonly outDir: string;
}

/**
 * The synth pipeline for any construct tree: render every object into the folder of its
 * `ManifestChart` (one walk, a file-name clash is an error), validate the whole output
 * (schemas and policy rules), then replace `outDir` in one step. Throws
 * `ConstructValidationError` or `ValidationFailedError` and leaves `outDir` as it was.
 * The project synth (`synth()`) is the same pipeline over the model built from the files.
 */
export function synthApp(app: IConstruct, options: SynthAppOptions = {}): SynthAppResult {
  const outDir = path.resolve(options.outDir ?? 'dist');
  const files = renderApp(app, { displayPrefix: `${path.relative(process.cwd(), outDir) || '.'}/`, ...options.validation });
  replaceFolder(outDir, files);
  return { files, outDir };
}

/**
 * {@link synthApp} without the write: every object rendered and the whole output validated, in
 * memory, with what the app's `Environment` constructs say of their clusters (and `validation` over it). Throws `ConstructValidationError` or `ValidationFailedError`.
 */
export function renderApp(app: IConstruct, validation: ValidateOptions = {}): RenderedFile[] {
  const files = renderConstructs(app);
  const report = validateObjects(files, withGivenValidation(environmentValidationOf(app), validation));
  if (!report.ok) throw new ValidationFailedError(report);
  return files;
}
