import * as path from 'path';
import { App, AppProps } from 'cdk8s';
import { ValidateOptions } from '../validate/validate';
import { STOA_APP } from '../render/plain-app-guard';
import { renderApp, synthApp } from './synth-app';

/** Props of {@link StoaApp}. */
export interface StoaAppProps extends AppProps {
  /**
   * The output folder, replaced as a whole by `synth()` when everything rendered and validated.
   * When the cdk8s CLI runs the app, give it here and point `output` in `cdk8s.yaml` at a scratch
   * folder: the CLI empties its output folder before the app starts, so only a folder it does not
   * own can be left as it was by a failed synth; the app then leaves a copy of the output in the
   * CLI's folder (`$CDK8S_OUTDIR`) for it to list.
   * @default - `$CDK8S_OUTDIR` when the cdk8s CLI runs the app, else 'dist'
   */
  readonly outdir?: string;
  /**
   * What validation knows of the environments (read-only ones, Kubernetes versions, repos), over
   * what the app's `Environment` constructs say.
   * @default - what the app's `Environment` constructs say
   */
  readonly validation?: ValidateOptions;
}

/**
 * The cdk8s App for stoa-manifests constructs: `app.synth()` writes the project layout
 * (`<outdir>/<env>/tenants/<tenant>/...`, the folders the Argo CD Applications point at),
 * validates every object (schemas and policy rules) and replaces `outdir` in one step.
 * On a validation error it throws, so the process exits non-zero and `outdir` is left as it was.
 * A plain cdk8s `App` holding a `ManifestChart` refuses to synth (it would write flat,
 * hash-suffixed files the Applications never read).
 */
export class StoaApp extends App {
  /** Whether `x` is a StoaApp (works across copies of this library). */
  public static isStoaApp(x: unknown): x is StoaApp {
    return typeof x === 'object' && x !== null && STOA_APP in x;
  }

  /** What validation knows of the environments. */
  public readonly validation?: ValidateOptions;
  private readonly outdirGiven: boolean;

  constructor(props: StoaAppProps = {}) {
    super(props);
    this.validation = props.validation;
    this.outdirGiven = props.outdir !== undefined;
    Object.defineProperty(this, STOA_APP, { value: true });
  }

  /**
   * Renders, validates and replaces `outdir` atomically (see {@link synthApp}); under the cdk8s CLI
   * with an `outdir` of its own, copies the output into the CLI's folder too.
   */
  public override synth(): void {
    const cdk8sOut = process.env.CDK8S_OUTDIR;
    const copyTo = cdk8sOut !== undefined && path.resolve(cdk8sOut) !== path.resolve(this.outdir) ? cdk8sOut : undefined;
    if (cdk8sOut !== undefined && copyTo === undefined && !this.outdirGiven) {
      process.emitWarning(`the cdk8s CLI emptied ${cdk8sOut} before this app started, so a failed synth leaves it empty, not as it was: `
        + 'give the StoaApp an outdir of its own (outdir: \'dist\') and point output in cdk8s.yaml at a scratch folder (output: .cdk8s.out)', 'StoaOutputWarning');
    }
    synthApp(this, { outDir: this.outdir, validation: this.validation, copyTo });
  }

  /** Every file of the output, validated (throws as `synth()` does), as one YAML stream in path order; nothing is written. */
  public override synthYaml(): string {
    return renderApp(this, this.validation).map((f) => `---\n# ${f.path}\n${f.content}`).join('');
  }
}
