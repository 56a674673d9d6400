import { KubeObject } from '../render/render';

/** An object to check, with the file it is (or will be) written to. */
export interface ObjectInFile {
  /** Path relative to the output folder, e.g. `dev/tenants/acme/deployment-gateway.yaml`. */
  readonly path: string;
  /** The object. */
  readonly object: KubeObject;
}

/** One broken rule. */
export interface Violation {
  /** Id of the rule, e.g. `image-pinned`. */
  readonly rule: string;
  /** File the violation is in, as shown to the user. */
  readonly file: string;
  /** What is wrong, with the values involved. */
  readonly message: string;
}

/** What every rule sees. */
export interface PolicyContext {
  /** Every object of the output, sorted by path. */
  readonly objects: readonly ObjectInFile[];
  /** Every Application: those written, and those the ApplicationSets generate (with the ApplicationSet's path). */
  readonly applications: readonly ObjectInFile[];
  /** Environments whose Applications must never sync automatically. */
  readonly readOnlyEnvironments: ReadonlySet<string>;
}

/** A platform rule. */
export interface PolicyRule {
  /** Stable id, used in reports and JSON. */
  readonly id: string;
  /** One line: why the rule exists. */
  readonly reason: string;
  /** Every violation in the output; `file` is the object's path. */
  check(context: PolicyContext): Array<Omit<Violation, 'rule'>>;
}

/** Top folder of a path: the environment. */
export function environmentOf(path: string): string {
  return path.split('/')[0];
}

/** The pod spec inside a workload object, if it has one. */
export function podSpecOf(object: KubeObject): any | undefined {
  const spec = object.spec as any;
  switch (object.kind) {
    case 'Pod':
      return spec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Every container of a pod spec (init, regular and ephemeral). */
export function containersOf(pod: any): any[] {
  const list = (v: unknown): any[] => (Array.isArray(v) ? v.filter((c) => c && typeof c === 'object') : []);
  return [...list(pod?.initContainers), ...list(pod?.containers), ...list(pod?.ephemeralContainers)];
}
