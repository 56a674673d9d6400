import { KubeObject } from '../../../render/render';
import { environmentFacts, environmentOf, ObjectInFile, PolicyContext, PolicyRule } from '../../policy';
import { compareFindings, Finding } from '../../model/findings';
import { indexOf } from '../../model/context-index';
import { objectsSyncedBy } from '../../model/output-index';
import { keyOf, Need, needsOf, providedKeysOf, provisionsOf } from './dependencies';
import { problemOf } from './problems';
import { applicationsOf, orderTasks, tasksOf } from './tasks';

/*
 * A model of how Argo CD's gitops-engine orders the sync of one Application (pkg/sync/sync_tasks.go,
 * sync_context.go, sync_phase.go, hook/hook.go, syncwaves/waves.go), and of an app-of-apps whose root
 * waits for each wave of Applications to be healthy before the next.
 */

export { isHook, syncPhasesOf, syncWaveOf } from '../../model/sync-phases';
export type { SyncPhase } from '../../model/sync-phases';

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

function checkSyncOrder(context: PolicyContext, pinAutoCreatedNamespace: boolean): Finding[] {
  const byFolder = indexOf(context).byFolder;
  const apps = applicationsOf(context);
  const synced = new Set<ObjectInFile>();
  for (const app of apps) {
    const objects = objectsSyncedBy(app.application, byFolder);
    for (const o of objects) synced.add(o);
    app.tasks = orderTasks(tasksOf(app, objects), pinAutoCreatedNamespace);
  }
  const provisions = provisionsOf(apps);
  // Objects no Application syncs (bootstrap/, argocd-config/) are applied by hand before any sync.
  const byHand = new Set(context.objects.filter((o) => !synced.has(o)).flatMap((o) => providedKeysOf(o.object, environmentOf(o.path), o.object.metadata.namespace ?? '')));
  const needsCache = new Map<KubeObject, Need[]>();
  const found = new Map<string, Finding>();
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
  return [...found.values()].sort(compareFindings);
}
