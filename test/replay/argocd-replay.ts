import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { expandApplicationSets } from '../../lib/argocd/application-set-preview';
import { RESOURCES_FINALIZER, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION } from '../../lib/argocd/sync-policy';
import { luaHealth } from './lua-health';
import { evaluate, subscriptionsOf, TriggerCondition, triggersOf } from './notification-triggers';

/*
 * A replay of what Argo CD does with one environment of the rendered output over a sequence of
 * commits and human actions: the app-of-apps root's sync (gitops-engine: tasks only for what is out of
 * sync with ApplyOutOfSyncOnly, waves in order, a wave waits until every Application it applied is
 * Healthy by argocd-cm's own Lua health check, a Degraded one fails the operation, prunes in the
 * symmetric reverse of their waves, `Prune=false` kept), each Application's own sync (automated or
 * by a person; its hooks phase by phase, PostSync only once its objects are Healthy, a failed hook failing
 * the sync and its Job kept until the next sync), deleting an Application (the resources finalizer,
 * `Delete=false`, PostDelete hooks),
 * the ApplicationSet controller (adoption of Applications of the same name, its applicationsSync
 * policy, owner references on deletion, the propagation policy of whoever deletes it) and the
 * notifications controller (argocd-notifications-cm triggers, oncePer).
 *
 * What a child Application's workloads do is the world's part: `health` says what an Application is
 * after its sync (a paused canary is Suspended). Everything else comes from the rendered files.
 */

/** An object of the output and its path (`<env>/<folder>/<file>`). */
export interface FileObject { readonly path: string; readonly object: any }

/** Something the replay saw happen, in order. */
export type ReplayEvent =
  | { readonly type: 'applied' | 'pruned' | 'kept' | 'adopted' | 'created' | 'deleted' | 'orphaned'; readonly kind: string; readonly name: string; readonly by: string }
  | { readonly type: 'waiting' | 'failed' | 'succeeded'; readonly app: string; readonly wave?: number; readonly on?: string; readonly message?: string }
  | { readonly type: 'synced'; readonly app: string; readonly phase: string; readonly revision: string; readonly message?: string }
  | { readonly type: 'hook'; readonly app: string; readonly phase: string; readonly job: string; readonly calls?: string; readonly failed?: string }
  | { readonly type: 'notified'; readonly app: string; readonly trigger: string; readonly service: string; readonly minute: number };

interface LiveApp {
  manifest: any;
  status: any;
  /** ApplicationSet that controls it (owner reference). */
  owner?: string;
  /** Whether the root tracks it (its tracking annotation, which an ApplicationSet's adoption replaces). */
  trackedByRoot: boolean;
  /** Objects it deployed, by key. */
  live: Map<string, any>;
  /** Hook Jobs of its last sync that failed: kept (BeforeHookCreation) until its next sync replaces them. */
  failedHooks: Map<string, any>;
  /** A sync waiting for its objects to be Healthy before its PostSync hooks run. */
  pending?: { readonly startedAt: string; readonly hooks: readonly any[] };
}

/** What the world does with an Application's workloads once it is synced. */
export interface World {
  /** Namespaces that exist before any sync (besides those the output creates). */
  readonly namespaces?: readonly string[];
  /** An Application's health after a successful sync; default Healthy. */
  health?(app: string): string | undefined;
  /**
   * Which of one wave's prunes and applies take effect first. gitops-engine issues a wave's prunes
   * before its applies, but what a prune sets off (the garbage collector deleting an ApplicationSet's
   * Applications, a controller's finalizer) runs asynchronously and may land after the applies, so a
   * claim that nothing is deleted must hold in both orders.
   * @default 'prune-first'
   */
  readonly sameWave?: 'prune-first' | 'apply-first';
  /** Why an Application's sync fails (a webhook refuses, an image cannot be pulled), or undefined. */
  fails?(app: string): string | undefined;
  /** Why a hook Job of an Application fails when it runs (its pod exits non-zero), or undefined: it succeeds. */
  hookFails?(app: string, job: string): string | undefined;
}

const keyOf = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const waveOf = (o: any) => Number(o.metadata?.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0);
const syncOptionsOf = (o: any): string[] => String(o.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const clone = <T>(x: T): T => structuredClone(x);

export class ArgoReplay {
  /** Everything that happened, in order. */
  public readonly events: ReplayEvent[] = [];
  /** Minutes since the start. */
  public minute = 0;
  private revision = '';
  private files: FileObject[] = [];
  private readonly apps = new Map<string, LiveApp>();
  /** What the root deployed (Applications, AppProjects, ApplicationSets), by key. */
  private readonly rootLive = new Map<string, any>();
  private readonly namespaces: Set<string>;
  private readonly notified = new Set<string>();
  private triggers = new Map<string, TriggerCondition[]>();
  private healthLua = '';
  private rootOperation: { phase: string; wave?: number } | undefined;

  constructor(private readonly env: string, private readonly world: World = {}) {
    this.namespaces = new Set(world.namespaces ?? ['argocd', 'kube-system', 'default']);
  }

  /** A commit of the envs repo: its files of this environment. An automated root syncs it. */
  public commit(revision: string, files: readonly FileObject[]): this {
    this.revision = revision;
    this.files = files.filter((f) => f.path.startsWith(`${this.env}/`)).map((f) => ({ path: f.path, object: clone(f.object) }));
    const data = this.file('argocd-config', 'ConfigMap', 'argocd-cm')?.data ?? {};
    this.healthLua = data['resource.customizations.health.argoproj.io_Application'] ?? '';
    this.triggers = triggersOf(this.file('argocd-config', 'ConfigMap', 'argocd-notifications-cm')?.data ?? {});
    // Every Application sees the new revision: one whose own files changed goes OutOfSync (an automated one syncs).
    for (const [name, app] of this.apps) this.refresh(name, app);
    this.reconcileApplicationSets();
    if (this.root().spec.syncPolicy?.automated) this.syncRoot();
    this.notify();
    return this;
  }

  /** Minutes pass: waiting Applications and the root look again, the notifications controller evaluates its triggers. */
  public wait(minutes: number): this {
    this.minute += minutes;
    if (this.rootOperation?.phase === 'Running') this.syncRoot();
    this.notify();
    return this;
  }

  /** A person (or the automated policy) syncs the root. */
  public syncRoot(): this {
    const root = this.root();
    const options: string[] = root.spec.syncPolicy?.syncOptions ?? [];
    const outOfSyncOnly = options.includes('ApplyOutOfSyncOnly=true');
    const propagation = options.find((o) => o.startsWith('PrunePropagationPolicy='))?.split('=')[1] ?? 'foreground';
    const desired = this.files.filter((f) => path.posix.dirname(f.path) === root.spec.source.path).map((f) => f.object);
    const desiredKeys = new Set(desired.map(keyOf));
    const applies = desired.filter((o) => !outOfSyncOnly || !isDeepStrictEqual(this.rootLive.get(keyOf(o)), o));
    const prunes = [...this.rootLive.values()].filter((o) => !desiredKeys.has(keyOf(o)) && this.trackedByRoot(o));
    for (const o of prunes.filter((p) => syncOptionsOf(p).includes('Prune=false'))) this.events.push({ type: 'kept', kind: o.kind, name: o.metadata.name, by: 'root (Prune=false)' });
    const pruning = prunes.filter((p) => !syncOptionsOf(p).includes('Prune=false'));
    // gitops-engine swaps the prune waves symmetrically (the last created is pruned first).
    const pruneWaves = [...new Set(pruning.map(waveOf))].sort((a, b) => a - b);
    const pruneWave = (o: any) => pruneWaves[pruneWaves.length - 1 - pruneWaves.indexOf(waveOf(o))];
    const waves = [...new Set([...applies.map(waveOf), ...pruning.map(pruneWave)])].sort((a, b) => a - b);
    const done = this.rootOperation?.phase === 'Running' ? this.rootOperation.wave ?? -Infinity : -Infinity;
    for (const wave of waves.filter((w) => w > done || (w === done && this.rootOperation?.phase === 'Running'))) {
      // A wave's prunes and applies run at once: the world says which begin first.
      const prune = () => { for (const o of pruning.filter((p) => pruneWave(p) === wave)) this.rootPrune(o, propagation); };
      const apply = () => { for (const o of applies.filter((a) => waveOf(a) === wave)) this.rootApply(o); };
      if (this.world.sameWave === 'apply-first') { apply(); prune(); } else { prune(); apply(); }
      // The wave is done when every Application it applied is Healthy by argocd-cm's health check.
      for (const o of applies.filter((a) => waveOf(a) === wave && a.kind === 'Application')) {
        const health = this.applicationHealth(o.metadata.name);
        if (health.status === 'Degraded') {
          this.rootOperation = { phase: 'Failed', wave };
          this.events.push({ type: 'failed', app: root.metadata.name, wave, on: o.metadata.name, message: health.message });
          return this;
        }
        if (health.status !== 'Healthy') {
          this.rootOperation = { phase: 'Running', wave };
          this.events.push({ type: 'waiting', app: root.metadata.name, wave, on: o.metadata.name, message: `${health.status}: ${health.message}` });
          return this;
        }
      }
    }
    this.rootOperation = { phase: 'Succeeded' };
    this.events.push({ type: 'succeeded', app: root.metadata.name });
    return this;
  }

  /** A person syncs an Application (`argocd app sync`). */
  public sync(name: string): this {
    this.syncApplication(name);
    this.notify();
    return this;
  }

  /** The world changes an Application's health between syncs (KEDA scales a Rollout, a node drains). */
  public health(name: string, status: string): this {
    const app = this.apps.get(name);
    if (!app) throw new Error(`no Application ${name}`);
    if (app.status.health?.status !== status) app.status.health = { status, lastTransitionTime: new Date(Date.UTC(2026, 0, 1, 0, this.minute)).toISOString() };
    if (app.pending) this.continueSync(name, app);
    this.notify();
    return this;
  }

  /** A person syncs every Application of the environment, wave by wave (`argocd app sync -l stoa.io/environment=<env>`). */
  public syncAll(): this {
    const names = [...this.apps.keys()].sort((a, b) => waveOf(this.apps.get(a)!.manifest) - waveOf(this.apps.get(b)!.manifest) || (a < b ? -1 : 1));
    for (const name of names) this.syncApplication(name);
    this.notify();
    return this;
  }

  /** A person deletes an Application (`argocd app delete`, which cascades by its finalizers). */
  public deleteApplication(name: string, by = 'a person'): this {
    this.deleteApp(name, by);
    this.notify();
    return this;
  }

  /** A person deletes an ApplicationSet (`kubectl delete`, background propagation unless told). */
  public deleteApplicationSet(name: string, propagation = 'background'): this {
    const key = [...this.rootLive.keys()].find((k) => k === `ApplicationSet/argocd/${name}`);
    if (key) this.deleteSet(this.rootLive.get(key), propagation, 'a person');
    this.notify();
    return this;
  }

  /** The Application as the cluster has it (manifest and status), or undefined. */
  public application(name: string): any {
    const app = this.apps.get(name);
    return app && { ...app.manifest, status: app.status };
  }

  /** Names of the Applications in the cluster. */
  public applicationNames(): string[] {
    return [...this.apps.keys()].sort();
  }

  /** Whether an object of an Application (or a namespace) is live: `Kind/namespace/name`. */
  public isLive(key: string): boolean {
    if (key.startsWith('Namespace//')) return this.namespaces.has(key.slice('Namespace//'.length));
    return [...this.apps.values()].some((a) => a.live.has(key) || a.failedHooks.has(key));
  }

  /** The events of one type since event `from`. */
  public eventsOf<T extends ReplayEvent['type']>(type: T, from = 0): Array<ReplayEvent & { type: T }> {
    return this.events.slice(from).filter((e): e is ReplayEvent & { type: T } => e.type === type);
  }

  private root(): any {
    const root = this.file('bootstrap', 'Application', `${this.env}-root`);
    if (!root) throw new Error(`${this.env}: no root Application in ${this.env}/bootstrap`);
    return root;
  }

  private file(folder: string, kind: string, name: string): any {
    return this.files.find((f) => f.path.startsWith(`${this.env}/${folder}/`) && f.object.kind === kind && f.object.metadata?.name === name)?.object;
  }

  private trackedByRoot(o: any): boolean {
    return o.kind !== 'Application' || this.apps.get(o.metadata.name)?.trackedByRoot === true;
  }

  private rootApply(o: any): void {
    const by = this.root().metadata.name;
    this.rootLive.set(keyOf(o), clone(o));
    this.events.push({ type: 'applied', kind: o.kind, name: o.metadata.name, by });
    if (o.kind === 'Application') {
      const existing = this.apps.get(o.metadata.name);
      if (existing) {
        // A client-side apply: owner references it never set stay until their owner lets go.
        existing.manifest = clone(o);
        existing.trackedByRoot = true;
        this.refresh(o.metadata.name, existing);
      } else {
        this.createApp(o, by, true);
      }
    }
    if (o.kind === 'ApplicationSet') this.reconcileApplicationSets();
  }

  private rootPrune(o: any, propagation: string): void {
    const by = this.root().metadata.name;
    this.rootLive.delete(keyOf(o));
    this.events.push({ type: 'pruned', kind: o.kind, name: o.metadata.name, by });
    if (o.kind === 'Application') this.deleteApp(o.metadata.name, by);
    if (o.kind === 'ApplicationSet') this.deleteSet(o, propagation, by);
  }

  private createApp(manifest: any, by: string, trackedByRoot: boolean, owner?: string): void {
    const app: LiveApp = {
      manifest: clone(manifest), status: { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } }, trackedByRoot, owner, live: new Map(), failedHooks: new Map(),
    };
    this.apps.set(manifest.metadata.name, app);
    if (by !== this.root().metadata.name) this.events.push({ type: 'created', kind: 'Application', name: manifest.metadata.name, by });
    this.refresh(manifest.metadata.name, app);
  }

  /** Objects of an Application's source folder at the current commit. */
  private desiredOf(app: LiveApp): any[] {
    const folder = app.manifest.spec.source.path;
    return this.files.filter((f) => path.posix.dirname(f.path) === folder).map((f) => f.object);
  }

  /** Compares an Application with git; an automated one out of sync syncs itself. */
  private refresh(name: string, app: LiveApp): void {
    const hooks = (o: any) => o.metadata?.annotations?.['argocd.argoproj.io/hook'] !== undefined;
    const desired = this.desiredOf(app).filter((o) => !hooks(o));
    const inSync = desired.length === app.live.size && desired.every((o) => isDeepStrictEqual(app.live.get(keyOf(o)), o));
    app.status.sync = { status: inSync ? 'Synced' : 'OutOfSync', revision: this.revision };
    if (!inSync && app.manifest.spec.syncPolicy?.automated) this.syncApplication(name);
  }

  /** One sync of an Application: its objects applied (hooks run), or a failure the cluster would give. */
  private syncApplication(name: string): void {
    const app = this.apps.get(name);
    if (!app) throw new Error(`no Application ${name}`);
    const startedAt = new Date(Date.UTC(2026, 0, 1, 0, this.minute)).toISOString();
    const desired = this.desiredOf(app);
    const createNamespace = (app.manifest.spec.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true');
    const target = app.manifest.spec.destination.namespace;
    const made = new Set(desired.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const missing = desired.find((o) => o.metadata?.namespace && !this.namespaces.has(o.metadata.namespace) && !made.has(o.metadata.namespace)
      && !(createNamespace && o.metadata.namespace === target));
    const refused = this.world.fails?.(name);
    if (missing || refused) {
      const message = refused ?? `namespaces "${missing.metadata.namespace}" not found`;
      app.status.operationState = { phase: 'Failed', message, startedAt, finishedAt: startedAt, syncResult: { revision: this.revision } };
      this.events.push({ type: 'synced', app: name, phase: 'Failed', revision: this.revision, message });
      return;
    }
    if (createNamespace) this.namespaces.add(target);
    for (const ns of made) this.namespaces.add(ns);
    const hooksOf = (phase: string) => desired.filter((o) => String(o.metadata?.annotations?.['argocd.argoproj.io/hook'] ?? '').split(',').includes(phase));
    // BeforeHookCreation: the Jobs a failed run left are deleted when this sync creates its hooks.
    app.failedHooks.clear();
    app.pending = undefined;
    for (const phase of ['PreSync', 'Sync']) {
      const failed = this.runHooks(name, app, phase, hooksOf(phase));
      if (failed) return this.finishSync(name, app, startedAt, failed);
    }
    const keep = new Set(desired.filter((o) => !o.metadata?.annotations?.['argocd.argoproj.io/hook']).map(keyOf));
    for (const [k, o] of app.live) {
      if (!keep.has(k) && !syncOptionsOf(o).includes('Prune=false')) {
        app.live.delete(k);
        if (o.kind === 'Namespace' && !syncOptionsOf(o).includes('Delete=false')) this.namespaces.delete(o.metadata.name);
        this.events.push({ type: 'pruned', kind: o.kind, name: o.metadata.name, by: name });
      }
    }
    for (const o of desired.filter((d) => keep.has(keyOf(d)))) app.live.set(keyOf(o), clone(o));
    app.status.sync = { status: 'Synced', revision: this.revision };
    app.status.history = [...app.status.history ?? [], { id: (app.status.history ?? []).length, revision: this.revision, deployedAt: startedAt }];
    const health = this.world.health?.(name) ?? 'Healthy';
    // Argo CD records when the health last changed (status.health.lastTransitionTime).
    if (app.status.health?.status !== health) app.status.health = { status: health, lastTransitionTime: startedAt };
    const postSync = hooksOf('PostSync');
    if (postSync.length === 0) return this.finishSync(name, app, startedAt);
    // gitops-engine starts the PostSync phase only when every object of the sync is Healthy: until then
    // (a Progressing rollout, a canary paused Suspended) the operation is Running; Degraded fails it.
    app.pending = { startedAt, hooks: postSync };
    this.continueSync(name, app);
  }

  /** Runs hook Jobs of a phase; the first failure's message, or undefined when all succeed. A failed Job stays (BeforeHookCreation). */
  private runHooks(name: string, app: LiveApp, phase: string, jobs: readonly any[]): string | undefined {
    let failure: string | undefined;
    for (const job of jobs) {
      const failed = this.world.hookFails?.(name, job.metadata.name);
      this.events.push({ type: 'hook', app: name, phase, job: job.metadata.name, calls: callOf(job), ...(failed !== undefined ? { failed } : {}) });
      if (failed === undefined) continue;
      app.failedHooks.set(keyOf(job), clone(job));
      failure ??= `${job.kind} ${job.metadata.name} failed: ${failed}`;
    }
    return failure;
  }

  /** A sync waiting on health goes on: PostSync once Healthy, failed once Degraded, else still Running. */
  private continueSync(name: string, app: LiveApp): void {
    const pending = app.pending!;
    const health = app.status.health?.status;
    if (health === 'Degraded') {
      app.pending = undefined;
      this.finishSync(name, app, pending.startedAt, 'one or more objects are Degraded: the PostSync hooks did not run');
    } else if (health !== 'Healthy') {
      const message = `waiting for healthy state (${health}) before the PostSync hooks`;
      if (app.status.operationState?.phase !== 'Running') this.events.push({ type: 'synced', app: name, phase: 'Running', revision: this.revision, message });
      app.status.operationState = { phase: 'Running', message, startedAt: pending.startedAt, syncResult: { revision: this.revision } };
    } else {
      app.pending = undefined;
      this.finishSync(name, app, pending.startedAt, this.runHooks(name, app, 'PostSync', pending.hooks));
    }
  }

  /** The operation ends: Succeeded, or Failed with why (the notifications controller sees operationState). */
  private finishSync(name: string, app: LiveApp, startedAt: string, failure?: string): void {
    const finishedAt = new Date(Date.UTC(2026, 0, 1, 0, this.minute)).toISOString();
    const phase = failure === undefined ? 'Succeeded' : 'Failed';
    const message = failure === undefined ? undefined : `one or more synchronization tasks completed unsuccessfully: ${failure}`;
    app.status.operationState = { phase, ...(message ? { message } : {}), startedAt, finishedAt, syncResult: { revision: this.revision } };
    this.events.push({ type: 'synced', app: name, phase, revision: this.revision, ...(message ? { message } : {}) });
  }

  private applicationHealth(name: string): { status: string; message: string } {
    const app = this.apps.get(name);
    if (!app) return { status: 'Missing', message: 'deleted' };
    return luaHealth(this.healthLua, { ...app.manifest, status: app.status });
  }

  /** Deleting an Application: its resources finalizer deletes what it deployed (but `Delete=false`), then its PostDelete hooks run. */
  private deleteApp(name: string, by: string): void {
    const app = this.apps.get(name);
    if (!app) return;
    this.apps.delete(name);
    // Its notification state was an annotation of the object: a new Application of the same name starts afresh.
    for (const k of [...this.notified].filter((n) => n.startsWith(`${name}|`))) this.notified.delete(k);
    this.events.push({ type: 'deleted', kind: 'Application', name, by });
    // Argo CD runs PostDelete hooks (found in the Application's files in git now) on any deletion,
    // with or without the resources finalizer.
    const postDelete = this.desiredOf(app).filter((o) => String(o.metadata?.annotations?.['argocd.argoproj.io/hook'] ?? '').split(',').includes('PostDelete'));
    for (const job of postDelete) this.events.push({ type: 'hook', app: name, phase: 'PostDelete', job: job.metadata.name, calls: callOf(job) });
    if (!(app.manifest.metadata.finalizers ?? []).includes(RESOURCES_FINALIZER)) return;
    const retained = [...app.live.values()].filter((o) => syncOptionsOf(o).includes('Delete=false'));
    const kept = new Set(retained.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    for (const o of app.live.values()) {
      if (retained.includes(o)) {
        this.events.push({ type: 'kept', kind: o.kind, name: o.metadata.name, by: `${name} (Delete=false)` });
        continue;
      }
      this.events.push({ type: 'deleted', kind: o.kind, name: o.metadata.name, by: name });
      if (o.kind === 'Namespace' && !kept.has(o.metadata.name)) this.namespaces.delete(o.metadata.name);
    }
  }

  /** An ApplicationSet goes: its Applications are orphaned (orphan propagation, or a policy that forbids deleting), else deleted by the garbage collector. */
  private deleteSet(set: any, propagation: string, by: string): void {
    this.rootLive.delete(keyOf(set));
    if (by !== this.root().metadata.name) this.events.push({ type: 'deleted', kind: 'ApplicationSet', name: set.metadata.name, by });
    const policy = set.spec.syncPolicy?.applicationsSync;
    const mayDelete = policy === undefined || policy === 'sync';
    const hasFinalizer = (set.metadata.finalizers ?? []).includes(RESOURCES_FINALIZER);
    for (const [name, app] of [...this.apps].filter(([, a]) => a.owner === set.metadata.name)) {
      if (propagation === 'orphan' || (!mayDelete && hasFinalizer)) {
        app.owner = undefined;
        this.events.push({ type: 'orphaned', kind: 'Application', name, by });
      } else {
        this.deleteApp(name, `garbage collector (owner ${set.metadata.name})`);
      }
    }
  }

  /** The ApplicationSet controller: each live ApplicationSet makes, adopts, updates and (by its policy) deletes its Applications. */
  private reconcileApplicationSets(): void {
    for (const set of [...this.rootLive.values()].filter((o) => o.kind === 'ApplicationSet')) {
      const setFile = this.files.find((f) => f.object.kind === 'ApplicationSet' && f.object.metadata.name === set.metadata.name);
      const inputs = [...this.files.filter((f) => f.object.kind !== 'ApplicationSet'), { path: setFile?.path ?? `${this.env}/apps/applicationset.yaml`, object: set }];
      const generated = expandApplicationSets(inputs).map((g) => g.object);
      const policy = set.spec.syncPolicy?.applicationsSync;
      for (const g of generated) {
        const existing = this.apps.get(g.metadata.name);
        if (!existing) {
          this.createApp(g, `ApplicationSet ${set.metadata.name}`, false, set.metadata.name);
        } else if (existing.owner !== set.metadata.name && existing.owner !== undefined) {
          continue; // controlled by another ApplicationSet: SetControllerReference refuses
        } else if (policy !== 'create-only' || existing.owner === undefined) {
          // Adoption or update: spec, labels, annotations (notification state kept) and finalizers from the template.
          const adopted = existing.owner === undefined;
          existing.manifest = { ...clone(g), metadata: { ...clone(g.metadata), finalizers: g.metadata.finalizers ?? [] } };
          existing.owner = set.metadata.name;
          existing.trackedByRoot = false;
          if (adopted) this.events.push({ type: 'adopted', kind: 'Application', name: g.metadata.name, by: `ApplicationSet ${set.metadata.name}` });
          this.refresh(g.metadata.name, existing);
        }
      }
      if (policy === undefined || policy === 'sync') {
        const names = new Set(generated.map((g) => g.metadata.name));
        for (const [name] of [...this.apps].filter(([n, a]) => a.owner === set.metadata.name && !names.has(n))) this.deleteApp(name, `ApplicationSet ${set.metadata.name}`);
      }
    }
  }

  /** The notifications controller: every subscribed trigger of every Application, as notifications-engine keeps its state. */
  private notify(): void {
    const now = Date.UTC(2026, 0, 1, 0, this.minute);
    for (const [name, app] of [...this.apps].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const obj = { ...app.manifest, status: app.status };
      for (const sub of subscriptionsOf(app.manifest)) {
        const conditions = this.triggers.get(sub.trigger);
        if (!conditions) throw new Error(`${name} subscribes to ${sub.trigger}, which argocd-notifications-cm does not define`);
        conditions.forEach((c, i) => {
          const key = `${name}|${sub.trigger}|${i}|${sub.service}|${sub.recipient}`;
          const triggered = evaluate(c.when, obj, now) === true;
          if (!triggered) {
            if (!c.oncePer) this.notified.delete(key);
            return;
          }
          const once = c.oncePer ? `${key}|${String(evaluate(c.oncePer, obj, now) ?? '')}` : key;
          if (this.notified.has(once)) return;
          this.notified.add(once);
          this.events.push({ type: 'notified', app: name, trigger: sub.trigger, service: sub.service, minute: this.minute });
        });
      }
    }
  }
}

/** The URL an AWX hook Job calls (its AWX_URL), for the events. */
function callOf(job: any): string | undefined {
  const env: any[] = job.spec?.template?.spec?.containers?.[0]?.env ?? [];
  return env.find((e) => e.name === 'AWX_URL')?.value;
}
