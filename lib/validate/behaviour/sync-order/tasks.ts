import { KubeObject } from '../../../render/render';
import { compareStrings } from '../../../sort';
import { environmentOf, ObjectInFile, PolicyContext } from '../../policy';
import { list } from '../../model/fields';
import { destinationNamespaceOf } from '../../model/output-index';
import { indexOf } from '../../model/context-index';
import { CLUSTER_SCOPED_KINDS } from '../../model/kinds';
import { comparePhases, isHook, SyncPhase, syncPhasesOf, syncWaveOf } from '../../model/sync-phases';

/*
 * The order gitops-engine applies one Application's objects in (pkg/sync/sync_tasks.go, sync_context.go):
 * one task per object and phase, sorted by phase, wave and kind, then adjustDeps.
 */

// gitops-engine's kindOrder (from Helm's kind sorter): listed kinds first, in this order, then all others.
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList',
  'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController',
  'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i - KIND_ORDER.length]));

/** An Application and what it deploys. */
export interface App {
  /** Its name. */
  readonly name: string;
  /** Its file: where an ApplicationSet generates it, the ApplicationSet's. */
  readonly file: string;
  /** Its environment. */
  readonly env: string;
  /** Its wave in the app-of-apps (a generated Application's is its ApplicationSet's). */
  readonly wave: number;
  /** `spec.destination.namespace`, `''` when it names none. */
  readonly destinationNamespace: string;
  /** Whether `CreateNamespace=true` is among its sync options. */
  readonly createNamespace: boolean;
  /** The Application object. */
  readonly application: KubeObject;
  /** Its tasks in the order gitops-engine applies them. */
  tasks: Task[];
}

/** One apply of one object in one phase (gitops-engine's syncTask). */
export interface Task {
  /** The Application that applies it. */
  readonly app: App;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** The namespace the object lives in; '' for a cluster-scoped kind. */
  readonly namespace: string;
  /** The namespace adjustDeps sees: gitops-engine sets the destination on every object without one. */
  readonly refNamespace: string;
  /** File of the object; the Application's for the namespace CreateNamespace=true makes. */
  readonly file: string;
  /** The object; none for the namespace CreateNamespace=true makes. */
  readonly object?: KubeObject;
  /** Whether the object is a hook. */
  readonly hook: boolean;
  /** Whether this is the namespace CreateNamespace=true makes. */
  readonly autoCreated: boolean;
  /** Its phase (adjustDeps may move a Namespace to an earlier one). */
  phase: SyncPhase;
  /** Its wave (adjustDeps may move a Namespace to an earlier one). */
  wave: number;
  /** Whether adjustDeps moved it. */
  moved: boolean;
  /** Its index in the Application's apply order. */
  position: number;
}

/** Every Application of the context, as the app-of-apps syncs it. */
export function applicationsOf(context: PolicyContext): App[] {
  const applicationSets = new Map(indexOf(context).ofKind('ApplicationSet').map((o) => [o.path, o.object]));
  return context.applications.map((a) => {
    // The root waits for an ApplicationSet, not for the Applications it generates.
    const set = applicationSets.get(a.path);
    const spec = a.object.spec as any;
    return {
      name: a.object.metadata.name,
      file: a.path,
      env: environmentOf(a.path),
      wave: syncWaveOf(set ?? a.object),
      destinationNamespace: destinationNamespaceOf(a.object) ?? '',
      createNamespace: list(spec?.syncPolicy?.syncOptions).some((o) => typeof o === 'string' && o.trim() === 'CreateNamespace=true'),
      application: a.object,
      tasks: [],
    };
  });
}

/** Every task of an Application: one per object and phase, plus the namespace CreateNamespace=true makes. */
export function tasksOf(app: App, objects: readonly ObjectInFile[]): Task[] {
  const tasks: Task[] = [];
  for (const o of objects) {
    const { kind, metadata } = o.object;
    const refNamespace = metadata.namespace ?? app.destinationNamespace;
    for (const phase of syncPhasesOf(o.object)) {
      tasks.push({
        app, kind, name: metadata.name, refNamespace, file: o.path, object: o.object, phase,
        namespace: CLUSTER_SCOPED_KINDS.has(kind) ? '' : refNamespace,
        hook: isHook(o.object), autoCreated: false, wave: syncWaveOf(o.object), moved: false, position: 0,
      });
    }
  }
  // autoCreateNamespace looks at managed resources only (hooks are not copied: a gitops-engine quirk).
  const hasManifest = objects.some((o) => o.object.kind === 'Namespace' && o.object.metadata.name === app.destinationNamespace && !isHook(o.object));
  if (app.createNamespace && app.destinationNamespace !== '' && !hasManifest) {
    tasks.push({
      app, kind: 'Namespace', name: app.destinationNamespace, namespace: '', refNamespace: '', file: app.file,
      hook: false, autoCreated: true, phase: 'PreSync', wave: 0, moved: false, position: 0,
    });
  }
  return tasks;
}

/** gitops-engine's sort: phase, wave, kind, name (then namespace and file, for a stable result). */
function compareTasks(a: Task, b: Task): number {
  return comparePhases(a.phase, b.phase) || a.wave - b.wave
    || (KIND_RANK.get(a.kind) ?? 0) - (KIND_RANK.get(b.kind) ?? 0) || compareStrings(a.name, b.name)
    || compareStrings(a.namespace, b.namespace) || compareStrings(a.file, b.file);
}

function isCoreNamespace(task: Task): boolean {
  return task.kind === 'Namespace' && (task.object === undefined || task.object.apiVersion === 'v1');
}

/**
 * Sorts tasks, then applies adjustDeps: a Namespace that sorts after a task in it moves right before the
 * first such task and takes its phase and wave. Linear: each moved namespace is queued before its task.
 */
export function orderTasks(tasks: Task[], pinAutoCreatedNamespace: boolean): Task[] {
  const sorted = [...tasks].sort(compareTasks);
  const firstInNamespace = new Map<string, Task>();
  const movedBefore = new Map<Task, Task[]>();
  for (const task of sorted) {
    if (isCoreNamespace(task)) {
      const first = firstInNamespace.get(task.name);
      if (!first || (task.autoCreated && pinAutoCreatedNamespace)) continue;
      task.phase = first.phase;
      task.wave = first.wave;
      task.moved = true;
      movedBefore.set(first, [...(movedBefore.get(first) ?? []), task]);
    } else if (task.refNamespace !== '' && !firstInNamespace.has(task.refNamespace)) {
      firstInNamespace.set(task.refNamespace, task);
    }
  }
  const ordered = sorted.flatMap((task) => (task.moved ? [] : [...(movedBefore.get(task) ?? []), task]));
  ordered.forEach((task, i) => { task.position = i; });
  return ordered;
}
