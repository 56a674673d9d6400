import { App, AppProps } from 'cdk8s';
import { ValidateOptions } from '../validate/validate';
import { STOA_APP } from '../render/plain-app-guard';
import { synthApp } from './synth-app';

/** Props of {@link StoaApp}. */
export interface StoaAppProps extends AppProps {
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

  constructor(props: StoaAppProps = {}) {
    super({ outdir: 'dist', ...props });
    this.validation = props.validation;
    Object.defineProperty(this, STOA_APP, { value: true });
  }

  /** Renders, validates and replaces `outdir` atomically (see {@link synthApp}). */
  public override synth(): void {
    synthApp(this, { outDir: this.outdir, validation: this.validation });
  }
}
