import { environmentOf, ObjectInFile, PolicyContext } from '../../policy';
import { Labels, pushTo } from '../../model/fields';
import { indexOf } from '../../model/context-index';
import { namespaceLabelsOf, TENANT_LABEL, tenantOf } from '../../model/namespaces';
import { destinationNamespaceOf, namespaceResolver } from '../../model/output-index';

/** A namespace of an environment: its labels as a selector sees them, and its tenant if it is one's. */
export interface NamespaceInfo {
  /** Its name. */
  readonly name: string;
  /** Its labels, `kubernetes.io/metadata.name` included. */
  readonly labels: Labels;
  /** Its tenant, when it is a tenant's. */
  readonly tenant?: string;
}

/** What the rule knows about one environment. */
export interface Environment {
  /** The environment's objects, sorted by path. */
  readonly objects: readonly ObjectInFile[];
  /** Every namespace the output renders, names or deploys into. */
  readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
  /** A tenant namespace that does not exist yet, labelled like the others: what `tenant-*` stands for. */
  readonly newTenant: NamespaceInfo;
  /** The namespace an object lands in: its own, else its Application's destination. */
  namespaceOf(o: ObjectInFile): string | undefined;
  /** The first object (by path) of `kind` named `name` that lands in `namespace`; in any namespace when `namespace` is undefined. */
  find(kind: string, name: string, namespace?: string): ObjectInFile | undefined;
  /** The objects that land in `namespace`, by path. */
  objectsIn(namespace: string): readonly ObjectInFile[];
}

/** Where an object lands when that is a tenant's namespace: the namespace and its tenant. */
export function tenantPlacementOf(env: Environment, o: ObjectInFile): { namespace: string; tenant: string } | undefined {
  const namespace = env.namespaceOf(o);
  const tenant = namespace ? env.namespaces.get(namespace)?.tenant : undefined;
  return namespace && tenant ? { namespace, tenant } : undefined;
}

function namespaceInfo(name: string, labels: Labels): NamespaceInfo {
  return { name, labels, tenant: tenantOf(name, labels) };
}

/** Labels shared (same value) by every tenant Namespace manifest: how a new tenant's namespace would look. */
function sharedLabels(manifests: readonly Labels[]): Labels {
  if (manifests.length === 0) return {};
  return Object.fromEntries(Object.entries(manifests[0]).filter(([k, v]) => manifests.every((l) => l[k] === v)));
}

/** Each environment of the output, in the order of its first path. */
export function environments(context: PolicyContext): Environment[] {
  // An object without a namespace is in its Application's (non-empty) destination; the last Application listed wins.
  const index = indexOf(context);
  const namespaceOf = namespaceResolver(index.destinations({ emptyCounts: false }));
  const applications = new Map<string, ObjectInFile[]>();
  for (const a of context.applications) pushTo(applications, environmentOf(a.path), a);
  return [...index.environments].map(([env, { objects, byKind, namespaceLabels }]) => {
    const namespaces = new Map<string, NamespaceInfo>();
    for (const [name, labels] of namespaceLabels) namespaces.set(name, namespaceInfo(name, labels));
    const add = (name: string | undefined) => {
      if (typeof name === 'string' && name !== '' && !namespaces.has(name)) namespaces.set(name, namespaceInfo(name, namespaceLabelsOf(name)));
    };
    // Namespaces come first from the objects (in path order), then from the Applications' destinations.
    const namespaceByObject = new Map<ObjectInFile, string | undefined>();
    for (const o of objects) {
      const ns = namespaceOf(o);
      namespaceByObject.set(o, ns);
      if (o.object.kind !== 'Namespace') add(ns);
    }
    for (const a of applications.get(env) ?? []) add(destinationNamespaceOf(a.object));
    const tenantLabels = (byKind.get('Namespace') ?? [])
      .map((ns) => namespaces.get(ns.object.metadata.name)!).filter((n) => n.tenant).map((n) => n.labels);
    const newTenant = namespaceInfo('tenant-newtenant', namespaceLabelsOf('tenant-newtenant', { ...sharedLabels(tenantLabels), [TENANT_LABEL]: 'newtenant' }));
    // Indexes, so lookups per ExternalSecret or binding stay linear in the size of the output.
    const first = new Map<string, ObjectInFile>();
    const byNamespace = new Map<string, ObjectInFile[]>();
    for (const o of objects) {
      const ns = namespaceByObject.get(o);
      for (const key of [`${o.object.kind}|*|${o.object.metadata.name}`, `${o.object.kind}|${ns ?? ''}|${o.object.metadata.name}`]) {
        if (!first.has(key)) first.set(key, o);
      }
      if (ns !== undefined) pushTo(byNamespace, ns, o);
    }
    return {
      objects, namespaces, newTenant, namespaceOf,
      find: (kind: string, name: string, namespace?: string) => first.get(`${kind}|${namespace ?? '*'}|${name}`),
      objectsIn: (namespace: string) => byNamespace.get(namespace) ?? [],
    };
  });
}
