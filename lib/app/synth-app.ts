import * as path from 'path';
import { IConstruct } from 'constructs';
import { RenderedFile, renderUnvalidated } from '../render/render';
import { checkOutputTarget } from '../render/output-target';
import { ValidateOptions, validateObjects } from '../validate/validate';
import { environmentValidationOf, withGivenValidation } from './environment-facts';
import { collectOutput, copyOutput, OutputBatch, writeOutput } from './output-pipeline';

/** Options of {@link synthApp}. */
export interface SynthAppOptions {
  /**
   * Output folder: replaced as a whole when everything rendered and validated.
   * @default - `$CDK8S_OUTDIR` when cdk8s runs the app, else 'dist' (relative to the working directory)
   */
  readonly outDir?: string;
  /**
   * What validation knows of the environments (read-only ones, Kubernetes versions, repos), over
   * what the `Environment` constructs of the app say.
   * @default - what the app's `Environment` constructs say
   */
  readonly validation?: ValidateOptions;
  /**
   * Also copy the output here once it replaced `outDir` (cdk8s's own output folder, which the cdk8s
   * CLI empties before it runs the app, so it cannot hold the output that must survive a failure).
   * @default - nowhere else
   */
  readonly copyTo?: string;
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
 * `ConstructValidationError` or `ValidationFailedError` and leaves `outDir` as it was. Refuses an
 * `outDir` that is or holds the working folder, the home or root folder, or an existing folder
 * holding anything but environment folders of an earlier output (see `checkOutputTarget`).
 * The project synth (`synth()`) goes through the same pipeline (`output-pipeline.ts`).
 */
export function synthApp(app: IConstruct, options: SynthAppOptions = {}): SynthAppResult {
  const outDir = path.resolve(options.outDir ?? process.env.CDK8S_OUTDIR ?? 'dist');
  // The folder is replaced as a whole: never the working folder, home or root, nor a folder of someone else's files.
  checkOutputTarget(process.cwd(), outDir);
  const batch = appBatch(app, { displayPrefix: `${path.relative(process.cwd(), outDir) || '.'}/`, ...options.validation });
  writeOutput(outDir, [batch]);
  copyOutput(outDir, options.copyTo);
  return { files: batch.files, outDir };
}

/**
 * {@link synthApp} without the write: every object rendered and the whole output validated, in
 * memory, with what the app's `Environment` constructs say of their clusters (and `validation` over it). Throws `ConstructValidationError` or `ValidationFailedError`.
 */
export function renderApp(app: IConstruct, validation: ValidateOptions = {}): RenderedFile[] {
  return collectOutput([appBatch(app, validation)]);
}

/** The whole output of a construct tree as one batch of the pipeline. */
function appBatch(app: IConstruct, validation: ValidateOptions): OutputBatch & { readonly files: RenderedFile[] } {
  const files = renderUnvalidated(app);
  return { files, report: () => validateObjects(files, withGivenValidation(environmentValidationOf(app), validation)) };
}
