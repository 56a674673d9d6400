import { App } from 'cdk8s';
import { IConstruct } from 'constructs';

/** The brand of a StoaApp (a symbol, so it works across copies of this library). */
export const STOA_APP = Symbol.for('stoa-manifests.StoaApp');
const PLAIN_GUARDED = Symbol.for('stoa-manifests.plainAppGuarded');

/**
 * Makes a plain cdk8s App that holds `chart` refuse `synth()` with a clear message, once per App:
 * its flat files (`dist/dev-acme-c8e16a13.k8s.yaml`) are not the folders the Applications read.
 * A StoaApp, `Testing.synth(chart)` and `renderUnvalidated(app)` are unaffected.
 */
export function guardPlainAppSynth(chart: IConstruct & { readonly outputPath: string }): void {
  const root = chart.node.root;
  if (!(root instanceof App) || STOA_APP in root || PLAIN_GUARDED in root) return;
  Object.defineProperty(root, PLAIN_GUARDED, { value: true });
  root.synth = () => {
    throw new Error(`a plain cdk8s App cannot synthesize a ManifestChart (${chart.node.path}): App.synth() writes flat files such as `
      + `dist/${chart.node.id}-<hash>.k8s.yaml while the Argo CD Applications point at folders such as ${chart.outputPath}/. `
      + 'Use new StoaApp() (its synth() renders the project layout, validates and replaces the output folder in one step), or synthApp(app)');
  };
}
