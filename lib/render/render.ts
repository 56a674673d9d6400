import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { compareStrings } from '../sort';
import { ManifestChart } from './manifest-chart';
import { PrototypeChart } from './prototype-chart';
import { toYaml } from './to-yaml';
import { ConstructValidationError } from './construct-validation-error';

export { ConstructValidationError };

/** One file of rendered output. */
export interface RenderedFile {
  /** Path relative to the output folder, with `/` separators, e.g. `dev/tenants/acme/deployment-gateway.yaml`. */
  readonly path: string;
  /** The file's YAML text. */
  readonly content: string;
  /** The object it holds, as plain JSON. */
  readonly object: KubeObject;
}

/** The fields of a rendered Kubernetes object that the tooling reads. */
export interface KubeObject {
  /** API group and version, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
  /** Name, namespace (for namespaced kinds), labels and annotations. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/**
 * Renders every object under `root` to one YAML file each, in the folder of its
 * ManifestChart, sorted by path, WITHOUT validating the output (schemas, policy rules): the
 * first step of the synth pipeline, for construct tests. `renderApp()` is the same, validated.
 *
 * This replaces `App.synth()`, which validates and resolves the whole app once
 * per chart (quadratic in the number of charts) and writes objects of different
 * charts with the same file name over each other. Here the tree is walked once,
 * validated once, and a file-name clash is an error, never a lost object.
 */
export function renderUnvalidated(root: IConstruct): RenderedFile[] {
  const all = root.node.findAll();
  const errors = all.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new ConstructValidationError(errors);

  const files = new Map<string, RenderedFile>();
  for (const construct of all) {
    if (!ApiObject.isApiObject(construct) || PrototypeChart.contains(construct)) continue;
    const chart = ManifestChart.of(construct);
    const object = construct.toJson() as KubeObject;
    const path = `${chart.outputPath}/${fileNameOf(object)}`;
    const clash = files.get(path);
    if (clash) {
      throw new Error(`two objects would be written to ${path}: ${describe(clash.object)} and ${describe(object)} (${construct.node.path}); give them distinct names`);
    }
    files.set(path, { path, content: toYaml(object), object });
  }
  return [...files.values()].sort((a, b) => compareStrings(a.path, b.path));
}

/** `<kind>-<name>.yaml`, lowercase: stable and readable in a PR. */
export function fileNameOf(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

function describe(o: KubeObject): string {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.kind} ${ns}${o.metadata.name}`;
}
