import { parseAllDocuments } from 'yaml';
import { KubeObject } from '../render/render';
import { compareStrings } from '../sort';
import { containersOf, podSpecOf } from '../validate/policy';

/** A Kubernetes object as a diff summary names it. */
export interface DiffObject {
  /** Its kind, e.g. `Deployment`. */
  readonly kind: string;
  /**
   * Its namespace.
   * @default - none: cluster-scoped, or not set
   */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
}

/** A container whose image changed (or a new workload's container). */
export interface ImageChange {
  /** The workload (Deployment, Rollout, StatefulSet, Job...). */
  readonly workload: DiffObject;
  /** The container (init containers included). */
  readonly container: string;
  /**
   * The image at base.
   * @default - none: a new workload or container
   */
  readonly before?: string;
  /**
   * The image at head.
   * @default - none: the container was removed
   */
  readonly after?: string;
}

/** A replica count or bound that changed. */
export interface ReplicaChange {
  /** The workload (`spec.replicas`), HorizontalPodAutoscaler (`minReplicas`, `maxReplicas`) or KEDA ScaledObject (`minReplicaCount`, `maxReplicaCount`). */
  readonly object: DiffObject;
  /** The field under `spec`. */
  readonly field: string;
  /**
   * The value at base.
   * @default - none: not set
   */
  readonly before?: number;
  /**
   * The value at head.
   * @default - none: not set
   */
  readonly after?: number;
}

/** A Role, RoleBinding, ClusterRole or ClusterRoleBinding added, removed or changed. */
export interface RbacChange {
  /** The object. */
  readonly object: DiffObject;
  /** What happened to it. */
  readonly change: 'added' | 'removed' | 'changed';
  /** Subjects a binding grants that it did not (`User alice`, `Group team`, `ServiceAccount ns/name`); empty for roles. */
  readonly subjectsAdded: readonly string[];
  /** Subjects a binding no longer grants; empty for roles. */
  readonly subjectsRemoved: readonly string[];
  /**
   * A binding's role (`Role/name`, `ClusterRole/name`) at base and head, when it changed.
   * @default - none: unchanged, or not a binding
   */
  readonly roleRef?: { readonly before?: string; readonly after?: string };
}

/** A NetworkPolicy added, removed or changed. */
export interface NetworkPolicyChange {
  /** The policy. */
  readonly object: DiffObject;
  /** What happened to it. */
  readonly change: 'added' | 'removed' | 'changed';
}

/** What changed in one Application, read from the objects of its files at base and head rather than from their lines. */
export interface ApplicationSummary {
  /** Objects at head only. */
  readonly added: readonly DiffObject[];
  /** Objects at base only. */
  readonly removed: readonly DiffObject[];
  /** Objects at both that differ. */
  readonly changed: readonly DiffObject[];
  /** Container images of workloads that changed, and of new workloads. */
  readonly images: readonly ImageChange[];
  /** Replica counts and autoscaling bounds of objects at both that changed. */
  readonly replicas: readonly ReplicaChange[];
  /** RBAC objects added, removed or changed. */
  readonly rbac: readonly RbacChange[];
  /** NetworkPolicies added, removed or changed. */
  readonly networkPolicies: readonly NetworkPolicyChange[];
  /** Files (at base or head) that do not hold Kubernetes objects a summary can read: YAML errors, links, notes. */
  readonly unreadable: readonly string[];
}

/** One file's two sides, as {@link summarizeApplication} reads them. */
export interface SummaryInput {
  /** Path of the file. */
  readonly path: string;
  /**
   * Content at base.
   * @default - none: the file was added
   */
  readonly before?: string;
  /**
   * Content at head.
   * @default - none: the file was removed
   */
  readonly after?: string;
}

const RBAC_KINDS = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
const REPLICA_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['replicas'], Rollout: ['replicas'], StatefulSet: ['replicas'], ReplicaSet: ['replicas'],
  HorizontalPodAutoscaler: ['minReplicas', 'maxReplicas'],
  ScaledObject: ['minReplicaCount', 'maxReplicaCount'],
};

/**
 * Parses the before and after YAML documents of an Application's changed files and says what
 * changed in terms a reviewer reads first: objects added and removed, images, replicas, RBAC and
 * NetworkPolicies. Objects are matched by kind, namespace and name, so an object that moved to
 * another file is changed (or unchanged), not removed and added. Every list is sorted.
 */
export function summarizeApplication(files: readonly SummaryInput[]): ApplicationSummary {
  const unreadable = new Set<string>();
  const before = objectsOf(files, 'before', unreadable);
  const after = objectsOf(files, 'after', unreadable);
  const added: KubeObject[] = [];
  const removed: KubeObject[] = [];
  const changed: Array<[KubeObject, KubeObject]> = [];
  for (const [key, object] of after) {
    const old = before.get(key);
    if (!old) added.push(object);
    else if (!sameObject(old, object)) changed.push([old, object]);
  }
  for (const [key, object] of before) if (!after.has(key)) removed.push(object);

  const images = [
    ...changed.flatMap(([a, b]) => imageChanges(a, b)),
    ...added.flatMap((b) => imageChanges(undefined, b)),
  ];
  const replicas = changed.flatMap(([a, b]) => (REPLICA_FIELDS[b.kind] ?? [])
    .map((field) => ({ object: refOf(b), field, before: numberAt(a, field), after: numberAt(b, field) }))
    .filter((r) => r.before !== r.after));
  const rbac = [
    ...added.filter(isRbac).map((o) => rbacChange('added', undefined, o)),
    ...removed.filter(isRbac).map((o) => rbacChange('removed', o, undefined)),
    ...changed.filter(([, b]) => isRbac(b)).map(([a, b]) => rbacChange('changed', a, b)),
  ];
  const isPolicy = (o: KubeObject) => o.kind === 'NetworkPolicy';
  const networkPolicies = [
    ...added.filter(isPolicy).map((o) => ({ object: refOf(o), change: 'added' as const })),
    ...removed.filter(isPolicy).map((o) => ({ object: refOf(o), change: 'removed' as const })),
    ...changed.filter(([, b]) => isPolicy(b)).map(([, b]) => ({ object: refOf(b), change: 'changed' as const })),
  ];
  const byObject = (a: { object: DiffObject }, b: { object: DiffObject }) => compareObjects(a.object, b.object);
  return {
    added: added.map(refOf).sort(compareObjects),
    removed: removed.map(refOf).sort(compareObjects),
    changed: changed.map(([, b]) => refOf(b)).sort(compareObjects),
    images: images.sort((a, b) => compareObjects(a.workload, b.workload) || compareStrings(a.container, b.container)),
    replicas: replicas.sort((a, b) => byObject(a, b) || compareStrings(a.field, b.field)),
    rbac: rbac.sort(byObject),
    networkPolicies: networkPolicies.sort(byObject),
    unreadable: [...unreadable].sort(compareStrings),
  };
}

/** `Kind namespace/name`, or `Kind name` without a namespace. */
export function objectName(o: DiffObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function compareObjects(a: DiffObject, b: DiffObject): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name);
}

/** Every Kubernetes object of one side of the files (Lists expanded), by kind, namespace and name. */
function objectsOf(files: readonly SummaryInput[], side: 'before' | 'after', unreadable: Set<string>): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const file of files) {
    const text = file[side];
    if (text === undefined) continue;
    const objects = parseObjects(text);
    if (!objects) {
      unreadable.add(file.path);
      continue;
    }
    for (const o of objects) {
      const ref = refOf(o);
      out.set(JSON.stringify([ref.kind, ref.namespace ?? '', ref.name]), o);
    }
  }
  return out;
}

/** The objects of a YAML file, or undefined when it holds anything but Kubernetes objects. */
function parseObjects(text: string): KubeObject[] | undefined {
  const out: KubeObject[] = [];
  try {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) return undefined;
      const value = doc.toJS({ maxAliasCount: 100 });
      if (value === null || value === undefined) continue;
      const items = Array.isArray(value?.items) && typeof value?.kind === 'string' && value.kind.endsWith('List') ? value.items : [value];
      for (const item of items) {
        if (!isObject(item) || typeof item.kind !== 'string' || !isObject(item.metadata) || typeof item.metadata.name !== 'string') return undefined;
        out.push(item as KubeObject);
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function refOf(o: KubeObject): DiffObject {
  const namespace = (o.metadata as any).namespace;
  return { kind: o.kind, ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}), name: String(o.metadata.name) };
}

/** Whether two objects are equal; a document too deep to compare counts as changed. */
function sameObject(a: KubeObject, b: KubeObject): boolean {
  try {
    return sameValue(a, b);
  } catch {
    return false;
  }
}

/** Deep equality of two parsed YAML values, key order ignored. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue(a[k], b[k]));
  }
  return Object.is(a, b);
}

function imageChanges(a: KubeObject | undefined, b: KubeObject): ImageChange[] {
  const imagesOf = (o: KubeObject | undefined) => new Map<string, string>(containersOf(o && podSpecOf(o))
    .filter((c) => typeof c.name === 'string')
    .map((c) => [c.name, typeof c.image === 'string' ? c.image : '']));
  if (!podSpecOf(b)) return [];
  const old = imagesOf(a);
  const now = imagesOf(b);
  const out: ImageChange[] = [];
  for (const name of new Set([...old.keys(), ...now.keys()])) {
    const [before, after] = [old.get(name), now.get(name)];
    if (before !== after) out.push({ workload: refOf(b), container: name, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
  }
  return out;
}

function numberAt(o: KubeObject, field: string): number | undefined {
  const v = (o.spec as any)?.[field];
  return typeof v === 'number' ? v : undefined;
}

function isRbac(o: KubeObject): boolean {
  return RBAC_KINDS.has(o.kind) && String(o.apiVersion ?? '').startsWith('rbac.authorization.k8s.io/');
}

function rbacChange(change: RbacChange['change'], a: KubeObject | undefined, b: KubeObject | undefined): RbacChange {
  const subjectsOf = (o: KubeObject | undefined) => new Set<string>((Array.isArray((o as any)?.subjects) ? (o as any).subjects : [])
    .filter(isObject)
    .map((s: any) => `${String(s.kind)} ${typeof s.namespace === 'string' && s.namespace ? `${s.namespace}/` : ''}${String(s.name)}`));
  const roleOf = (o: KubeObject | undefined) => {
    const r = (o as any)?.roleRef;
    return isObject(r) ? `${String(r.kind)}/${String(r.name)}` : undefined;
  };
  const [old, now] = [subjectsOf(a), subjectsOf(b)];
  const [roleBefore, roleAfter] = [roleOf(a), roleOf(b)];
  return {
    object: refOf((b ?? a)!),
    change,
    subjectsAdded: [...now].filter((s) => !old.has(s)).sort(compareStrings),
    subjectsRemoved: [...old].filter((s) => !now.has(s)).sort(compareStrings),
    ...(change === 'changed' && roleBefore !== roleAfter ? { roleRef: { before: roleBefore, after: roleAfter } } : {}),
  };
}
