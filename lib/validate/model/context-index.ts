import { ObjectInFile, PolicyContext, podSpecOf } from '../policy';
import { Labels, pushTo } from './fields';
import { namespaceManifestLabels } from './namespaces';
import { DestinationChoice, destinationsByFolder, objectsByEnvironment, objectsByFolder } from './output-index';

/*
 * Indexes of one validation's output, built once and shared by every rule: at 1,000 tenants each rule
 * scanning, sorting and grouping ~40,000 objects again cost more than the checks themselves. Keyed by
 * the context object, so a new validation (or a test's new context) never sees an old index.
 */

/** One environment's objects, indexed. */
export interface EnvironmentIndex {
  /** Its objects, sorted by path. */
  readonly objects: readonly ObjectInFile[];
  /** Its objects of each kind, sorted by path. */
  readonly byKind: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** Its objects that have a pod spec, sorted by path. */
  readonly workloads: readonly ObjectInFile[];
  /** Labels of its Namespace manifests ({@link namespaceManifestLabels}). */
  readonly namespaceLabels: ReadonlyMap<string, Labels>;
}

/** The whole output, indexed; each part is built on first use. */
export interface ContextIndex {
  /** Each environment's index, in the order of its first path (what {@link objectsByEnvironment} gives). */
  readonly environments: ReadonlyMap<string, EnvironmentIndex>;
  /** Objects by folder ({@link objectsByFolder}), in the order of `context.objects`. */
  readonly byFolder: ReadonlyMap<string, readonly ObjectInFile[]>;
  /** Objects of `kind`, in the order of `context.objects`. */
  ofKind(kind: string): readonly ObjectInFile[];
  /** Objects of any of `kinds`, in the order of `context.objects`. */
  ofKinds(...kinds: string[]): ObjectInFile[];
  /** Objects with a pod spec, in the order of `context.objects`. */
  readonly workloads: readonly ObjectInFile[];
  /** {@link destinationsByFolder} of `context.applications` with `choice`. */
  destinations(choice?: DestinationChoice): ReadonlyMap<string, string>;
}

const NO_OBJECTS: readonly ObjectInFile[] = [];

function byKindOf(objects: readonly ObjectInFile[]): Map<string, ObjectInFile[]> {
  const out = new Map<string, ObjectInFile[]>();
  for (const o of objects) pushTo(out, o.object.kind, o);
  return out;
}

function environmentIndex(objects: readonly ObjectInFile[]): EnvironmentIndex {
  const byKind = byKindOf(objects);
  let namespaceLabels: Map<string, Labels> | undefined;
  let workloads: ObjectInFile[] | undefined;
  return {
    objects,
    byKind,
    get workloads() { return (workloads ??= objects.filter((o) => podSpecOf(o.object) !== undefined)); },
    // Only Namespace objects matter: the same map as over all objects, in the same order.
    get namespaceLabels() { return (namespaceLabels ??= namespaceManifestLabels(byKind.get('Namespace') ?? NO_OBJECTS)); },
  };
}

function buildIndex(context: PolicyContext): ContextIndex {
  let environments: Map<string, EnvironmentIndex> | undefined;
  let byFolder: Map<string, ObjectInFile[]> | undefined;
  let byKind: Map<string, ObjectInFile[]> | undefined;
  // Where each object of a kind is in context.objects, to merge kinds back into that order.
  let positions: Map<string, number[]> | undefined;
  const kinds = () => {
    if (!byKind) {
      byKind = new Map();
      positions = new Map();
      context.objects.forEach((o, i) => { pushTo(byKind!, o.object.kind, o); pushTo(positions!, o.object.kind, i); });
    }
    return byKind;
  };
  let workloads: ObjectInFile[] | undefined;
  const destinations = new Map<string, Map<string, string>>();
  return {
    get environments() {
      return (environments ??= new Map([...objectsByEnvironment(context.objects)].map(([env, objects]) => [env, environmentIndex(objects)])));
    },
    get byFolder() { return (byFolder ??= objectsByFolder(context.objects)); },
    ofKind: (kind) => kinds().get(kind) ?? NO_OBJECTS,
    ofKinds: (...wanted) => {
      const at: Array<[number, ObjectInFile]> = [];
      for (const kind of new Set(wanted)) {
        const objects = kinds().get(kind) ?? NO_OBJECTS;
        objects.forEach((o, i) => at.push([positions!.get(kind)![i], o]));
      }
      return at.sort((a, b) => a[0] - b[0]).map(([, o]) => o);
    },
    get workloads() { return (workloads ??= context.objects.filter((o) => podSpecOf(o.object) !== undefined)); },
    destinations: (choice = {}) => {
      const key = `${choice.pick ?? 'last'}|${choice.emptyCounts ?? true}`;
      let known = destinations.get(key);
      if (!known) destinations.set(key, known = destinationsByFolder(context.applications, choice));
      return known;
    },
  };
}

const indexes = new WeakMap<PolicyContext, ContextIndex>();

/** The index of a validation's output (built once per context). */
export function indexOf(context: PolicyContext): ContextIndex {
  let index = indexes.get(context);
  if (!index) indexes.set(context, index = buildIndex(context));
  return index;
}
