import { KubeObject } from '../../render/render';
import { compareStrings } from '../../sort';
import { containersOf, environmentFacts, environmentOf, ObjectInFile, PolicyContext, PolicyRule, podSpecOf } from '../policy';

/*
 * A model of how Argo CD's gitops-engine orders the sync of one Application (pkg/sync/sync_tasks.go,
 * sync_context.go, sync_phase.go, hook/hook.go, syncwaves/waves.go), and of an app-of-apps whose root
 * waits for each wave of Applications to be healthy before the next.
 */

const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
const HELM_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';

/** A phase of an Argo CD sync. SyncFail hooks run only after a failed sync, last. */
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

const PHASE_ORDER: Readonly<Record<SyncPhase, number>> = { PreSync: -1, Sync: 0, PostSync: 1, SyncFail: 2 };
const PHASES = Object.keys(PHASE_ORDER) as SyncPhase[];
const HELM_HOOK_PHASES: Readonly<Record<string, SyncPhase>> = {
  'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync',
};

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

// Kinds without a namespace: they need none to exist. Custom kinds are taken as namespaced.
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass',
  'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService',
  'ClusterSecretStore', 'ClusterAnalysisTemplate', 'ClusterIssuer', 'RuntimeClass', 'CSIDriver', 'VolumeSnapshotClass',
]);

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

function annotationsOf(object: KubeObject): Record<string, unknown> {
  const annotations = object.metadata?.annotations;
  return annotations && typeof annotations === 'object' ? annotations as Record<string, unknown> : {};
}

/** Comma-separated values of an annotation, trimmed and deduplicated (gitops-engine's GetAnnotationCSVs). */
function csvOf(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== ''))];
}

/** Hook types of an object: Argo CD's, or else Helm's mapped to Argo CD phases (hook.Types). */
function hookTypesOf(object: KubeObject): string[] {
  const annotations = annotationsOf(object);
  const argo = csvOf(annotations[HOOK_ANNOTATION]).filter((t) => t === 'Skip' || t in PHASE_ORDER);
  if (argo.length > 0) return argo;
  return csvOf(annotations[HELM_HOOK_ANNOTATION]).flatMap((t) => (t in HELM_HOOK_PHASES ? [HELM_HOOK_PHASES[t]] : []));
}

/** Whether Argo CD skips the object entirely (`hook: Skip` alone). */
function isSkipped(object: KubeObject): boolean {
  const types = hookTypesOf(object);
  return types.length === 1 && types[0] === 'Skip';
}

/** Whether Argo CD runs the object as a hook, not as a managed resource (hook.IsHook). */
export function isHook(object: KubeObject): boolean {
  const annotations = annotationsOf(object);
  if (HOOK_ANNOTATION in annotations) return !isSkipped(object);
  const helm = annotations[HELM_HOOK_ANNOTATION];
  return helm !== undefined && helm !== 'crd-install';
}

/** The phases Argo CD applies an object in: each of a hook's phases, Sync for a resource, none when skipped. */
export function syncPhasesOf(object: KubeObject): SyncPhase[] {
  if (isSkipped(object)) return [];
  if (!isHook(object)) return ['Sync'];
  const types = new Set(hookTypesOf(object));
  return PHASES.filter((p) => types.has(p));
}

/** strconv.Atoi: an optional sign and digits, nothing else. */
function atoi(value: unknown): number | undefined {
  return typeof value === 'string' && /^[+-]?[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** The sync wave of an object: its sync-wave annotation, else its Helm hook weight, else 0. */
export function syncWaveOf(object: KubeObject): number {
  const annotations = annotationsOf(object);
  return atoi(annotations[SYNC_WAVE_ANNOTATION]) ?? atoi(annotations[HELM_WEIGHT_ANNOTATION]) ?? 0;
}

/** An Application and what it deploys. */
interface App {
  readonly name: string;
  /** Its file: where an ApplicationSet generates it, the ApplicationSet's. */
  readonly file: string;
  readonly env: string;
  /** Its wave in the app-of-apps (a generated Application's is its ApplicationSet's). */
  readonly wave: number;
  readonly destinationNamespace: string;
  /** Whether `CreateNamespace=true` is among its sync options. */
  readonly createNamespace: boolean;
  /** The Application object. */
  readonly application: KubeObject;
  /** Its tasks in the order gitops-engine applies them. */
  tasks: Task[];
}

/** One apply of one object in one phase (gitops-engine's syncTask). */
interface Task {
  readonly app: App;
  readonly kind: string;
  readonly name: string;
  /** The namespace the object lives in; '' for a cluster-scoped kind. */
  readonly namespace: string;
  /** The namespace adjustDeps sees: gitops-engine sets the destination on every object without one. */
  readonly refNamespace: string;
  /** File of the object; the Application's for the namespace CreateNamespace=true makes. */
  readonly file: string;
  readonly object?: KubeObject;
  readonly hook: boolean;
  readonly autoCreated: boolean;
  phase: SyncPhase;
  wave: number;
  moved: boolean;
  position: number;
}

type DependencyKind = 'namespace' | 'ServiceAccount' | 'Secret' | 'SecretStore' | 'ClusterSecretStore';

/** Something an object needs to exist before it is applied. */
interface Need {
  readonly kind: DependencyKind;
  readonly namespace: string;
  readonly name: string;
  /** How the object refers to it, for the message, e.g. `env AWX_TOKEN`. */
  readonly via?: string;
}

/** Something an object creates that others may need. */
interface Provision {
  readonly task: Task;
  /** Whether it exists only once its step is done (ESO writes Secrets asynchronously; a store must be Ready). */
  readonly strict: boolean;
}

const keyOf = (env: string, kind: DependencyKind, namespace: string, name: string) => `${env}\u0000${kind}\u0000${namespace}\u0000${name}`;

/** Options of {@link syncOrderRule}. */
export interface SyncOrderOptions {
  /**
   * Keep the namespace that CreateNamespace=true makes at PreSync, wave 0, out of adjustDeps. gitops-engine
   * adds that task before sorting, so adjustDeps moves it before the first object in it like a Namespace
   * manifest (since v0.3, Argo CD 2.0); pinning it flags objects applied before PreSync wave 0 in that
   * namespace, for a stricter reading.
   * @default false
   */
  readonly pinAutoCreatedNamespace?: boolean;
}

/** The sync-order rule, with options. */
export function syncOrderRule(options: SyncOrderOptions = {}): PolicyRule {
  return {
    id: 'sync-order',
    reason: 'Argo CD applies every object after the namespace, ServiceAccount, Secret and secret store it needs (phases, waves, kinds, Application waves)',
    check: (context) => checkSyncOrder(context, options.pinAutoCreatedNamespace ?? false),
  };
}

/** Fails when Argo CD would apply an object before something it needs; see {@link syncOrderRule}. */
export const syncOrder: PolicyRule = syncOrderRule();

function checkSyncOrder(context: PolicyContext, pinAutoCreatedNamespace: boolean): Array<{ file: string; message: string }> {
  const byFolder = objectsByFolder(context.objects);
  const apps = applicationsOf(context);
  const synced = new Set<ObjectInFile>();
  for (const app of apps) {
    const objects = objectsOf(app, byFolder);
    for (const o of objects) synced.add(o);
    app.tasks = orderTasks(tasksOf(app, objects), pinAutoCreatedNamespace);
  }
  const provisions = provisionsOf(apps);
  // Objects no Application syncs (bootstrap/, argocd-config/) are applied by hand before any sync.
  const byHand = new Set(context.objects.filter((o) => !synced.has(o)).flatMap((o) => providedKeysOf(o.object, environmentOf(o.path), o.object.metadata.namespace ?? '')));
  const needsCache = new Map<KubeObject, Need[]>();
  const found = new Map<string, { file: string; message: string }>();
  for (const app of apps) {
    const existing = new Set(environmentFacts(context, app.env).existingNamespaces);
    for (const task of app.tasks) {
      if (!task.object) continue;
      const needs = needsCache.get(task.object) ?? needsOf(task);
      needsCache.set(task.object, needs);
      for (const need of needs) {
        if (need.kind === 'namespace' && existing.has(need.name)) continue;
        const key = keyOf(app.env, need.kind, need.namespace, need.name);
        if (byHand.has(key)) continue;
        const message = problemOf(task, need, provisions.get(key) ?? []);
        if (message) found.set(`${task.file}\u0000${message}`, { file: task.file, message });
      }
    }
  }
  return [...found.values()].sort((a, b) => compareStrings(a.file, b.file) || compareStrings(a.message, b.message));
}

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function objectsByFolder(objects: readonly ObjectInFile[]): Map<string, ObjectInFile[]> {
  const byFolder = new Map<string, ObjectInFile[]>();
  for (const o of objects) {
    const folder = folderOf(o.path);
    const inFolder = byFolder.get(folder);
    if (inFolder) inFolder.push(o);
    else byFolder.set(folder, [o]);
  }
  return byFolder;
}

function sourcesOf(app: KubeObject): any[] {
  const spec = app.spec as any;
  return [...(spec?.source ? [spec.source] : []), ...list(spec?.sources)];
}

function applicationsOf(context: PolicyContext): App[] {
  const applicationSets = new Map(context.objects.filter((o) => o.object.kind === 'ApplicationSet').map((o) => [o.path, o.object]));
  return context.applications.map((a) => {
    // The root waits for an ApplicationSet, not for the Applications it generates.
    const set = applicationSets.get(a.path);
    const spec = a.object.spec as any;
    return {
      name: a.object.metadata.name,
      file: a.path,
      env: environmentOf(a.path),
      wave: syncWaveOf(set ?? a.object),
      destinationNamespace: typeof spec?.destination?.namespace === 'string' ? spec.destination.namespace : '',
      createNamespace: list(spec?.syncPolicy?.syncOptions).some((o) => typeof o === 'string' && o.trim() === 'CreateNamespace=true'),
      application: a.object,
      tasks: [],
    };
  });
}

/** The objects in the folders an Application's sources name (with sub-folders when `directory.recurse`). */
function objectsOf(app: App, byFolder: Map<string, ObjectInFile[]>): ObjectInFile[] {
  const out: ObjectInFile[] = [];
  for (const source of sourcesOf(app.application)) {
    if (typeof source?.path !== 'string') continue;
    const folder = source.path.replace(/^\.?\/+|\/+$/g, '');
    if (source.directory?.recurse === true) {
      for (const [f, objects] of byFolder) if (f === folder || f.startsWith(`${folder}/`)) out.push(...objects);
    } else {
      out.push(...(byFolder.get(folder) ?? []));
    }
  }
  return [...new Set(out)];
}

/** Every task of an Application: one per object and phase, plus the namespace CreateNamespace=true makes. */
function tasksOf(app: App, objects: readonly ObjectInFile[]): Task[] {
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
  return PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.wave - b.wave
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
function orderTasks(tasks: Task[], pinAutoCreatedNamespace: boolean): Task[] {
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

/** What an object creates, as dependency keys, and whether the dependency must wait for its step to finish. */
function provisionsOf(apps: readonly App[]): Map<string, Provision[]> {
  const out = new Map<string, Provision[]>();
  const add = (key: string, provision: Provision) => {
    const existing = out.get(key);
    if (existing) existing.push(provision);
    else out.set(key, [provision]);
  };
  for (const app of apps) {
    for (const task of app.tasks) {
      if (task.autoCreated) add(keyOf(app.env, 'namespace', '', task.name), { task, strict: false });
      else if (task.object) {
        for (const key of providedKeysOf(task.object, app.env, task.namespace)) {
          add(key, { task, strict: task.kind === 'ExternalSecret' || task.kind === 'SecretStore' || task.kind === 'ClusterSecretStore' });
        }
      }
    }
  }
  return out;
}

/** The dependency keys an object provides in `env` (`namespace`: where it lives). */
function providedKeysOf(object: KubeObject, env: string, namespace: string): string[] {
  const { kind, metadata } = object;
  const spec = object.spec as any;
  switch (kind) {
    case 'Namespace': return [keyOf(env, 'namespace', '', metadata.name)];
    case 'ServiceAccount': return [keyOf(env, 'ServiceAccount', namespace, metadata.name)];
    case 'Secret': return [keyOf(env, 'Secret', namespace, metadata.name)];
    case 'ExternalSecret': return [keyOf(env, 'Secret', namespace, typeof spec?.target?.name === 'string' ? spec.target.name : metadata.name)];
    case 'SecretStore': return [keyOf(env, 'SecretStore', namespace, metadata.name)];
    case 'ClusterSecretStore': return [keyOf(env, 'ClusterSecretStore', '', metadata.name)];
    default: return [];
  }
}

/** What a task's object needs before it is applied. */
function needsOf(task: Task): Need[] {
  const object = task.object!;
  const needs: Need[] = task.namespace === '' ? [] : [{ kind: 'namespace', namespace: '', name: task.namespace }];
  const pod = podSpecOf(object);
  if (pod) needs.push(...podNeeds(pod, task.namespace));
  if (object.kind === 'SecretStore' || object.kind === 'ClusterSecretStore') needs.push(...storeServiceAccountNeeds(object, task.namespace));
  if (object.kind === 'ExternalSecret') needs.push(...storeNeeds(object, task.namespace));
  // One need per dependency: the first reference names it.
  const unique = new Map<string, Need>();
  for (const n of needs) {
    const key = `${n.kind}/${n.namespace}/${n.name}`;
    if (!unique.has(key)) unique.set(key, n);
  }
  return [...unique.values()];
}

/** The ServiceAccount and the Secrets a pod template reads (optional references left out). */
function podNeeds(pod: any, namespace: string): Need[] {
  const needs: Need[] = [];
  const serviceAccount = pod.serviceAccountName ?? pod.serviceAccount;
  if (typeof serviceAccount === 'string' && serviceAccount !== '' && serviceAccount !== 'default') {
    needs.push({ kind: 'ServiceAccount', namespace, name: serviceAccount });
  }
  const secret = (name: unknown, optional: unknown, via: string) => {
    if (typeof name === 'string' && name !== '' && optional !== true) needs.push({ kind: 'Secret', namespace, name, via });
  };
  for (const v of list(pod.volumes)) {
    secret(v?.secret?.secretName, v?.secret?.optional, `volume ${v?.name}`);
    for (const s of list(v?.projected?.sources)) secret(s?.secret?.name, s?.secret?.optional, `volume ${v?.name}`);
  }
  for (const c of containersOf(pod)) {
    for (const e of list(c.env)) secret(e?.valueFrom?.secretKeyRef?.name, e?.valueFrom?.secretKeyRef?.optional, `env ${e?.name}`);
    for (const e of list(c.envFrom)) secret(e?.secretRef?.name, e?.secretRef?.optional, `envFrom of container ${c.name}`);
  }
  return needs;
}

/** The ServiceAccount a (Cluster)SecretStore logs in as (Vault Kubernetes auth, Kubernetes provider). */
function storeServiceAccountNeeds(store: KubeObject, namespace: string): Need[] {
  const provider = (store.spec as any)?.provider;
  const refs = [
    provider?.vault?.auth?.kubernetes?.serviceAccountRef,
    provider?.vault?.auth?.jwt?.kubernetesServiceAccountToken?.serviceAccountRef,
    provider?.kubernetes?.auth?.serviceAccount,
  ];
  return refs.flatMap((ref) => {
    // A ClusterSecretStore's ref without a namespace is resolved in each ExternalSecret's namespace: unknown here.
    const ns = typeof ref?.namespace === 'string' ? ref.namespace : namespace;
    return typeof ref?.name === 'string' && ns !== '' ? [{ kind: 'ServiceAccount' as const, namespace: ns, name: ref.name }] : [];
  });
}

/** The store an ExternalSecret reads. */
function storeNeeds(externalSecret: KubeObject, namespace: string): Need[] {
  const ref = (externalSecret.spec as any)?.secretStoreRef;
  if (typeof ref?.name !== 'string') return [];
  return ref.kind === 'ClusterSecretStore'
    ? [{ kind: 'ClusterSecretStore', namespace: '', name: ref.name }]
    : [{ kind: 'SecretStore', namespace, name: ref.name }];
}

/** Whether `provision` exists when `task` is applied. */
function isInTime(provision: Provision, task: Task): boolean {
  const p = provision.task;
  if (p.app !== task.app) return p.app.wave < task.app.wave;
  if (!provision.strict) return p.position < task.position;
  return PHASE_ORDER[p.phase] < PHASE_ORDER[task.phase] || (p.phase === task.phase && p.wave < task.wave);
}

/** The message for a need no provision meets in time, if any. */
function problemOf(task: Task, need: Need, provisions: readonly Provision[]): string | undefined {
  if (provisions.some((p) => isInTime(p, task))) return undefined;
  if (provisions.length === 0) return missingMessage(task, need);
  const [culprit] = [...provisions].sort((a, b) => blameOrder(a, b, task));
  return culprit.task.app === task.app ? sameAppMessage(task, need, culprit) : otherAppMessage(task, need, culprit);
}

// The provision to name: one in the same Application first, else the lowest Application wave.
function blameOrder(a: Provision, b: Provision, task: Task): number {
  return Number(b.task.app === task.app) - Number(a.task.app === task.app) || a.task.app.wave - b.task.app.wave
    || compareStrings(a.task.file, b.task.file) || PHASE_ORDER[a.task.phase] - PHASE_ORDER[b.task.phase];
}

function describe(task: Task): string {
  return `${task.kind} ${task.namespace === '' ? '' : `${task.namespace}/`}${task.name}`;
}

function stepOf(task: Task): string {
  if (task.autoCreated) return `auto-created by CreateNamespace=true at ${task.phase}, wave ${task.wave}`;
  return `${task.phase}${task.hook ? ' hook' : ''}, wave ${task.wave}${task.moved ? ', moved there by adjustDeps' : ''}`;
}

/** The needed object, e.g. `Secret tenant-acme/api-key`, `Namespace stoa-hooks`. */
function neededObject(need: Need): string {
  const where = need.kind === 'namespace' || need.kind === 'ClusterSecretStore' ? '' : `${need.namespace}/`;
  return `${need.kind === 'namespace' ? 'Namespace' : need.kind} ${where}${need.name}`;
}

function needLabel(need: Need): string {
  return `${neededObject(need)}${need.via ? ` (${need.via})` : ''}`;
}

function missingMessage(task: Task, need: Need): string | undefined {
  if (need.kind === 'namespace') {
    return `${describe(task)} (${stepOf(task)}) is in namespace ${need.name}, but no object creates it and it is not an existing namespace of ${task.app.env}: `
      + `add a Namespace manifest, set CreateNamespace=true with destination namespace ${need.name}, or list it in the environment's existingNamespaces`;
  }
  if (need.kind === 'Secret') {
    return `${describe(task)} (${stepOf(task)}) reads ${needLabel(need)}, but no object creates Secret ${need.name} in namespace ${need.namespace}: `
      + 'add an ExternalSecret (or Secret) for it, or mark the reference optional';
  }
  return undefined;
}

function sameAppMessage(task: Task, need: Need, culprit: Provision): string {
  const p = culprit.task;
  const head = `${describe(task)} (${stepOf(task)}) needs ${needLabel(need)}, but Application ${task.app.name} applies ${describe(p)} (${stepOf(p)})`;
  if (p.autoCreated) {
    return `${head} after it: add a Namespace manifest ${p.name} to the Application's folder (adjustDeps moves it before the first object in it), `
      + `or move ${task.kind} ${task.name} to ${p.phase} wave ${p.wave} or later`;
  }
  if (!culprit.strict) return `${head} after it: move ${p.kind} ${p.name} to ${task.phase} wave ${task.wave} or earlier`;
  const asHook = task.phase !== 'Sync' && !p.hook ? ` (as a ${task.phase} hook)` : '';
  const why = p.kind === 'ExternalSecret' ? 'the operator writes the Secret only after the ExternalSecret is applied' : 'the store must be Ready first';
  return `${head} in the same step or later, and ${why}: move ${p.kind} ${p.name} to ${task.phase} wave ${task.wave - 1} or earlier${asHook}, `
    + `so Argo CD waits for it to be healthy before ${task.kind} ${task.name}`;
}

function otherAppMessage(task: Task, need: Need, culprit: Provision): string {
  const p = culprit.task;
  // Name the provider only when it is not the needed object itself (an ExternalSecret for a Secret).
  const provider = describe(p) === neededObject(need) ? '' : `${describe(p)} `;
  return `${describe(task)} (${stepOf(task)}) of Application ${task.app.name} (app wave ${task.app.wave}) needs ${needLabel(need)}, `
    + `created by ${provider}(${stepOf(p)}) in Application ${p.app.name} (app wave ${p.app.wave}), which the app-of-apps does not finish first: `
    + `give ${p.app.name} a lower sync-wave than ${task.app.name}`;
}
