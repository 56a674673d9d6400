import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { parseAllDocuments } from 'yaml';
import { clusterCapacity } from '../config/environment-config';
import { parseHistoricInput } from '../config/input-yaml';
import { diffNameStatus, filesAt, git, readBlobsById, resolveCommit, trailerValues } from '../git/git';
import { applicationOfFolder } from '../layout/output-layout';
import { ProjectLocation, projectOf } from '../project/project';
import { formatQuantity, parseQuantity } from '../quantity';
import { KubeObject } from '../render/render';
import { compareStrings } from '../sort';
import { peakDemand, QUOTA_RESOURCES, QuotaResource, quotaHard } from '../validate/behaviour/quota-fits';
import { apiGroupOf, CLUSTER_SCOPED_KINDS } from '../validate/model/kinds';
import { isHook, syncPhasesOf } from '../validate/model/sync-phases';
import { generatedFinalizers } from '../argocd/application-set-preview';
import { RESOURCES_FINALIZER, syncOptionsOf } from '../argocd/sync-policy';
import { environmentFilesAt } from './committed-environments';
import { committedOutputOf } from './diff-files';
import { WorkflowError } from './workflow-error';

/** The commit trailer that acknowledges one data-loss finding: `Acknowledge-Data-Loss: <env>/<Kind>/<namespace or ->/<name>`. */
export const DATA_LOSS_TRAILER = 'Acknowledge-Data-Loss';

/** Options of {@link planRefs}: the project (inside a git work tree) and the two commits whose committed output is compared. */
export interface PlanOptions extends ProjectLocation {
  /** Base git ref (branch, tag, commit): what the cluster runs now. */
  readonly base: string;
  /**
   * Head git ref: what the cluster will run. Trailers of the commits `base..head` acknowledge data loss.
   * @default 'HEAD'
   */
  readonly head?: string;
}

/** An object of the output, as Argo CD names it. */
export interface PlanObject {
  /** Its kind, e.g. `Deployment`. */
  readonly kind: string;
  /**
   * Its namespace (its Application's destination when the object names none).
   * @default - none: a cluster-scoped object
   */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
}

/** A hook Job (or other hook object) the sync of an Application runs. */
export interface PlanHook {
  /** The hook object. */
  readonly object: PlanObject;
  /** The sync phases it runs in (`PreSync`, `Sync`, `PostSync`, `SyncFail`). */
  readonly phases: readonly string[];
  /** What it is: an AWX job template launch, the gateway smoke test, or another hook. */
  readonly what: 'awx' | 'smoke-test' | 'other';
  /**
   * What it calls: the AWX job template URL, or the host the smoke test checks.
   * @default - none: not known
   */
  readonly calls?: string;
  /** Whether it acts outside the cluster (an AWX job template changes systems Argo CD does not track). */
  readonly outsideCluster: boolean;
}

/** Requests and limits of one namespace at its peak against its ResourceQuota, before and after. */
export interface PlanQuota {
  /** The namespace. */
  readonly namespace: string;
  /** One line per resource the quota limits. */
  readonly resources: readonly PlanQuotaResource[];
}

/** One resource of a {@link PlanQuota}: Kubernetes quantities (pods as a count). */
export interface PlanQuotaResource {
  /** `requests.cpu`, `requests.memory`, `limits.cpu`, `limits.memory` or `pods`. */
  readonly resource: string;
  /**
   * Peak at the base.
   * @default - none: the namespace did not exist
   */
  readonly before?: string;
  /**
   * Peak at the head.
   * @default - none: the namespace is gone
   */
  readonly after?: string;
  /**
   * The quota's hard limit at the head.
   * @default - none: the head's quota does not limit it
   */
  readonly hard?: string;
  /** Whether the head's peak exceeds the head's quota. */
  readonly exceeds: boolean;
}

/** How the workloads of an Application change. */
export type PlanRollout = 'canary' | 'blue-green' | 'rolling' | 'at-once' | 'none';

/** What one Application (one folder of the output) will do. */
export interface PlanApplication {
  /** Application name, e.g. `prod-tenant-acme`. */
  readonly application: string;
  /** Its source folder, e.g. `prod/tenants/acme`. */
  readonly folder: string;
  /** Whether a person syncs it (no automated sync policy, or applied by hand). */
  readonly manualSync: boolean;
  /** Whether a person applies it with kubectl (`bootstrap/`, `argocd-config/`): no Application syncs it, nothing is pruned, no sync window applies. */
  readonly byHand: boolean;
  /**
   * Its AppProject.
   * @default - none: not found (the bootstrap folder, or an Application the output does not hold)
   */
  readonly project?: string;
  /** Objects Argo CD creates. */
  readonly created: readonly PlanObject[];
  /** Objects Argo CD updates. */
  readonly changed: readonly PlanObject[];
  /** Objects Argo CD prunes (or that go with a deleted Application, through its resources finalizer). */
  readonly pruned: readonly PlanObject[];
  /**
   * Objects no longer in git that stay in the cluster: a folder applied by hand, an object Argo CD
   * keeps (`Prune=false`, `Delete=false`), or an Application deleted without cascading (no resources
   * finalizer, `preserveResourcesOnDeletion`) or kept (`Prune=false` on it, `applicationsSync: create-*`).
   */
  readonly kept: readonly PlanObject[];
  /** Hooks the next sync runs, in phase order. */
  readonly hooks: readonly PlanHook[];
  /** The strongest workload effect: a canary, rolling pods, or changes applied at once. */
  readonly rollout: PlanRollout;
  /** Tenants whose objects change. */
  readonly tenants: readonly string[];
  /** Peak against quota of each namespace the Application changes that has a ResourceQuota. */
  readonly quotas: readonly PlanQuota[];
}

/** An Argo CD sync window of an AppProject. */
export interface PlanSyncWindow {
  /** `allow` or `deny`. */
  readonly kind: string;
  /** Cron schedule. */
  readonly schedule: string;
  /** How long it lasts. */
  readonly duration: string;
  /**
   * Its time zone.
   * @default - none: UTC
   */
  readonly timeZone?: string;
  /** Whether manual syncs may run outside it. */
  readonly manualSync: boolean;
  /** The AppProjects that hold it. */
  readonly projects: readonly string[];
}

/** Requests at max scale of a whole environment against the capacity its environment file declares. */
export interface PlanCapacity {
  /** Declared capacity (`capacity:` of the head's environment file). */
  readonly cpu: string;
  /** Declared memory. */
  readonly memory: string;
  /** CPU requests at the peak before. */
  readonly cpuBefore: string;
  /** CPU requests at the peak after. */
  readonly cpuAfter: string;
  /** Memory requests at the peak before. */
  readonly memoryBefore: string;
  /** Memory requests at the peak after. */
  readonly memoryAfter: string;
  /** Whether the head's peak exceeds the capacity. */
  readonly exceeds: boolean;
}

/** What one environment will do. */
export interface PlanEnvironment {
  /** Environment name. */
  readonly environment: string;
  /** Whether it is read-only (prod): a person syncs every change. */
  readonly readOnly: boolean;
  /** Sync windows of the AppProjects of its changed Applications. */
  readonly syncWindows: readonly PlanSyncWindow[];
  /** Tenants touched. */
  readonly tenants: readonly string[];
  /**
   * Requests at max scale against the declared capacity.
   * @default - none: the environment file declares no capacity
   */
  readonly capacity?: PlanCapacity;
  /** Applications with changes, by folder. */
  readonly applications: readonly PlanApplication[];
}

/** The kinds of finding, most severe first. */
export type PlanFindingKind = 'data-loss' | 'unschedulable' | 'side-effect' | 'canary' | 'replace' | 'rolling' | 'manual-gate' | 'kept';

/** One thing a reviewer must know, most severe first. */
export interface PlanFinding {
  /** What kind of finding. */
  readonly kind: PlanFindingKind;
  /** Whether it stops the plan (exit 1): data loss nobody acknowledged. */
  readonly blocked: boolean;
  /** The environment. */
  readonly environment: string;
  /**
   * The Application.
   * @default - none: the whole environment
   */
  readonly application?: string;
  /**
   * The object.
   * @default - none
   */
  readonly object?: PlanObject;
  /** What happens, in one sentence. */
  readonly message: string;
  /**
   * For data loss: the trailer line that acknowledges it (`Acknowledge-Data-Loss: <env>/<Kind>/<namespace>/<name>`).
   * @default - none
   */
  readonly acknowledgement?: string;
  /**
   * For data loss: whether a commit of `base..head` carries the acknowledgement.
   * @default - none
   */
  readonly acknowledged?: boolean;
}

/** What {@link planRefs} found. */
export interface PlanResult {
  /** Base as given, and its short commit. */
  readonly base: { readonly ref: string; readonly commit: string };
  /** Head as given, and its short commit. */
  readonly head: { readonly ref: string; readonly commit: string };
  /** Environments with changes, read-only first, then the reverse of the promotion order (prod, staging, dev). */
  readonly environments: readonly PlanEnvironment[];
  /** Every finding, most severe first. */
  readonly findings: readonly PlanFinding[];
  /** Whether any finding blocks (exit 1). */
  readonly blocked: boolean;
}

/** Report order: blocked data loss, unschedulable, acknowledged data loss, outside-cluster side effects, canaries, then the rest. */
const SEVERITY: readonly string[] = ['blocked', 'unschedulable', 'data-loss', 'side-effect', 'canary', 'replace', 'rolling', 'manual-gate', 'kept'];
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout']);
const PVC_IMMUTABLE = ['storageClassName', 'accessModes', 'volumeMode', 'volumeName', 'selector', 'dataSource', 'dataSourceRef'];
const STS_IMMUTABLE = ['volumeClaimTemplates', 'selector', 'serviceName', 'podManagementPolicy'];

/** An object at one commit, where it is. */
interface Placed {
  readonly object: KubeObject;
  readonly folder: string;
  readonly namespace?: string;
}

/** The output of one environment at one commit. */
interface EnvTree {
  readonly objects: readonly Placed[];
  /** Application objects by source folder. */
  readonly applications: ReadonlyMap<string, KubeObject>;
  readonly projects: ReadonlyMap<string, KubeObject>;
  /** The ApplicationSet whose git directory generator makes the tenants' Applications (not the previews'). */
  readonly tenantApplicationSet?: KubeObject;
}

/**
 * What Argo CD will do when the committed output of `head` replaces that of `base`, offline: per
 * environment (prod first) and Application, the objects created, changed and pruned, the hooks the
 * sync runs and what they call, whether a workload starts a canary, rolls pods or applies at once,
 * the manual gate and sync windows, the tenants touched, the peak against each tenant's quota and
 * the environment's declared capacity, and data loss (a prune or replace of a Namespace, a
 * PersistentVolumeClaim, a StatefulSet with volumeClaimTemplates, or an ExternalSecret's target
 * Secret), which blocks unless a commit of `base..head` carries its {@link DATA_LOSS_TRAILER} line.
 */
export function planRefs(options: PlanOptions): PlanResult {
  const project = projectOf(options);
  const { top, prefix, inRepo } = committedOutputOf(project, 'plan reads');
  const headRef = options.head ?? 'HEAD';
  const baseCommit = resolveCommit(top, options.base, 'base');
  const headCommit = resolveCommit(top, headRef, 'head');
  const short = (commit: string) => git(top, ['rev-parse', '--short', commit]).trim();

  const changedPaths = diffNameStatus(top, [baseCommit, headCommit, '--', inRepo]).map((c) => c.path.slice(inRepo.length + 1));
  const changedEnvs = [...new Set(changedPaths.filter((p) => p.includes('/')).map((p) => p.split('/')[0]))];
  const changedFolders = new Set(changedPaths.map(folderOf));
  const envFiles = { base: environmentFilesAt(top, baseCommit, `${prefix}environments`), head: environmentFilesAt(top, headCommit, `${prefix}environments`) };
  const acknowledged = acknowledgements(top, baseCommit, headCommit);

  const findings: PlanFinding[] = [];
  const environments = changedEnvs.map((environment): PlanEnvironment => {
    const baseFile = parseHistoricInput(envFiles.base.get(environment)?.text, `${environment}.yaml`) as any;
    const headFile = parseHistoricInput(envFiles.head.get(environment)?.text, `${environment}.yaml`) as any;
    const readOnly = headFile?.mode === 'read-only' || baseFile?.mode === 'read-only';
    const acmeHttp01 = (file: any) => file?.ingress?.acmeSolver !== 'dns01';
    const parsed: ParsedBlobs = new Map();
    const before = envTree(top, baseCommit, inRepo, environment, parsed);
    const after = envTree(top, headCommit, inRepo, environment, parsed);
    const folders = [...new Set([...before.objects, ...after.objects].map((o) => o.folder))]
      .filter((f) => changedFolders.has(f)).sort(compareStrings);
    const applications = folders.map((folder) => planApplication(environment, folder, before, after, acmeHttp01(baseFile), acmeHttp01(headFile), acknowledged, findings))
      .filter((a) => a.created.length + a.changed.length + a.pruned.length + a.kept.length + a.hooks.length > 0);

    // The manual gate and the windows of the AppProjects of the changed Applications.
    const windows = new Map<string, PlanSyncWindow & { projects: string[] }>();
    for (const a of applications) {
      const project = a.project === undefined ? undefined : after.projects.get(a.project) ?? before.projects.get(a.project);
      for (const w of list((project?.spec as any)?.syncWindows)) {
        const window = { kind: String(w?.kind ?? 'allow'), schedule: String(w?.schedule ?? ''), duration: String(w?.duration ?? ''), ...(w?.timeZone ? { timeZone: String(w.timeZone) } : {}), manualSync: w?.manualSync === true };
        const key = JSON.stringify(window);
        const known = windows.get(key) ?? { ...window, projects: [] };
        if (!known.projects.includes(a.project!)) known.projects.push(a.project!);
        windows.set(key, known);
      }
    }
    const syncWindows = [...windows.values()].map((w) => ({ ...w, projects: w.projects.sort(compareStrings) }));
    const manual = applications.filter((a) => a.manualSync && !a.byHand);
    const byHand = applications.filter((a) => a.byHand);
    if (byHand.length > 0) {
      findings.push({
        kind: 'manual-gate', blocked: false, environment,
        message: `nothing happens until a person applies ${byHand.map((a) => `${a.folder}/`).join(', ')} (kubectl apply -f; no Application syncs ${byHand.length === 1 ? 'it' : 'them'}): objects removed from git stay in the cluster until deleted by hand`,
      });
    }
    if (manual.length > 0) {
      const when = syncWindows.length > 0 ? `, only inside its sync window${syncWindows.length === 1 ? '' : 's'} (${syncWindows.map(windowText).join('; ')})` : '';
      findings.push({
        kind: 'manual-gate', blocked: false, environment,
        message: `${readOnly ? 'read-only: ' : ''}nothing happens until a person syncs ${manual.map((a) => a.application).join(', ')}${when}`,
      });
    } else if (syncWindows.length > 0) {
      findings.push({ kind: 'manual-gate', blocked: false, environment, message: `syncs wait for the sync window${syncWindows.length === 1 ? '' : 's'} ${syncWindows.map(windowText).join('; ')}` });
    }

    const capacity = capacityOf(environment, envFiles.head.get(environment)?.file, headFile, before, after, acmeHttp01(baseFile), acmeHttp01(headFile));
    if (capacity?.exceeds) {
      findings.push({
        kind: 'unschedulable', blocked: false, environment,
        message: `at max scale the environment requests ${capacity.cpuAfter} CPU and ${capacity.memoryAfter} memory (before: ${capacity.cpuBefore}, ${capacity.memoryBefore}) but its capacity is ${capacity.cpu} CPU and ${capacity.memory}: raise capacity, or lower max replicas`,
      });
    }
    const tenants = [...new Set(applications.flatMap((a) => a.tenants))].sort(compareStrings);
    return { environment, readOnly, syncWindows, tenants, ...(capacity ? { capacity } : {}), applications };
  }).filter((e) => e.applications.length > 0);

  // prod first: read-only environments, then the reverse of the promotion order of the head's files.
  const order = promotionOrder([...envFiles.head.entries()].map(([name, f]) => [name, parseHistoricInput(f.text, f.file) as any]));
  environments.sort((a, b) => Number(b.readOnly) - Number(a.readOnly) || order.indexOf(b.environment) - order.indexOf(a.environment) || compareStrings(a.environment, b.environment));
  const envRank = new Map(environments.map((e, i) => [e.environment, i]));
  const rank = (f: PlanFinding) => SEVERITY.indexOf(f.blocked ? 'blocked' : f.kind);
  const sorted = findings.filter((f) => envRank.has(f.environment)).sort((a, b) => rank(a) - rank(b)
    || envRank.get(a.environment)! - envRank.get(b.environment)!
    || compareStrings(a.application ?? '', b.application ?? '')
    || compareStrings(objectId(a.object), objectId(b.object))
    || compareStrings(a.message, b.message));
  return {
    base: { ref: options.base, commit: short(baseCommit) },
    head: { ref: headRef, commit: short(headCommit) },
    environments,
    findings: sorted,
    blocked: sorted.some((f) => f.blocked),
  };
}

/** The id of a data-loss finding: `<env>/<Kind>/<namespace or ->/<name>`. */
export function dataLossId(environment: string, object: PlanObject): string {
  return `${environment}/${object.kind}/${object.namespace ?? '-'}/${object.name}`;
}

function planApplication(
  environment: string, folder: string, before: EnvTree, after: EnvTree, acmeBefore: boolean, acmeAfter: boolean,
  acknowledged: ReadonlySet<string>, findings: PlanFinding[],
): PlanApplication {
  const application = applicationOfFolder(folder);
  const area = folder.split('/')[1];
  // bootstrap/ and argocd-config/ are applied by hand (kubectl apply): no Application syncs or prunes them.
  const byHand = area === 'bootstrap' || area === 'argocd-config';
  // A tenant folder without an Application of its own is the ApplicationSet's (its template says how it syncs).
  const tenantSet = (tree: EnvTree) => (area === 'tenants' ? tree.tenantApplicationSet : undefined);
  const appObject = byHand ? undefined : after.applications.get(folder) ?? before.applications.get(folder) ?? tenantSet(after) ?? tenantSet(before);
  const spec = appObject?.spec as any;
  const appSpec = appObject?.kind === 'ApplicationSet' ? spec?.template?.spec : spec;
  const manualSync = byHand || !appSpec?.syncPolicy?.automated;
  const project = typeof appSpec?.project === 'string' && !appSpec.project.includes('{{') ? appSpec.project : undefined;
  const removal = byHand ? undefined : folderRemoval(folder, application, before, after, tenantSet(before));

  const inFolder = (tree: EnvTree) => new Map(tree.objects.filter((o) => o.folder === folder).map((o) => [keyOf(o), o]));
  const old = inFolder(before);
  const now = inFolder(after);
  const created: Placed[] = [];
  const changed: Array<{ before: Placed; after: Placed }> = [];
  const pruned: Placed[] = [];
  for (const [key, o] of now) {
    if (isHook(o.object)) continue;
    const was = old.get(key);
    if (!was) created.push(o);
    else if (!isDeepStrictEqual(was.object, o.object)) changed.push({ before: was, after: o });
  }
  for (const [key, o] of old) if (!now.has(key) && !isHook(o.object)) pruned.push(o);
  // What nothing prunes: a folder applied by hand, or one whose Application goes without cascading (or stays).
  const kept: Placed[] = byHand || (removal && !removal.cascade) ? pruned.splice(0) : [];
  const hooksChanged = [...now.keys()].some((k) => isHook(now.get(k)!.object) && !isDeepStrictEqual(old.get(k)?.object, now.get(k)!.object))
    || [...old.keys()].some((k) => isHook(old.get(k)!.object) && !now.has(k));
  const syncs = created.length + changed.length + pruned.length > 0;
  const hooks = syncs || hooksChanged ? [...now.values()].filter((o) => isHook(o.object)).map(hookOf).sort(compareHooks) : [];

  const finding = (f: Omit<PlanFinding, 'environment' | 'application' | 'blocked'> & { blocked?: boolean }) => findings.push({ blocked: false, ...f, environment, application });
  const dataLoss = (o: Placed, why: string) => {
    const object = planObject(o);
    const id = dataLossId(environment, object);
    const ok = acknowledged.has(id);
    finding({
      kind: 'data-loss', blocked: !ok, object, acknowledgement: `${DATA_LOSS_TRAILER}: ${id}`, acknowledged: ok,
      message: `${why}${ok ? ' (acknowledged)' : `: blocked; to go ahead, add the line "${DATA_LOSS_TRAILER}: ${id}" to a commit message of this change`}`,
    });
  };

  // Prunes: what holds data is lost, unless nothing prunes it (applied by hand, an Application that goes without
  // cascading or stays) or Argo CD keeps it (Prune=false while the Application stays, Delete=false always).
  if (kept.length > 0) {
    const names = kept.map((o) => objectText(planObject(o)));
    finding({ kind: 'kept', message: `${byHand ? `applied by hand: kubectl apply does not delete what left ${folder}/` : removal!.how}; ${kept.length === 1 ? 'this object stays' : `these ${kept.length} objects stay`} in the cluster until a person deletes ${kept.length === 1 ? 'it' : 'them'}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}` });
  }
  for (const o of [...pruned]) {
    const options = syncOptionsOf(o.object);
    const moved = after.objects.find((x) => keyOf(x) === keyOf(o));
    const keeps = options.has('Delete=false') ? 'Delete=false' : !removal && options.has('Prune=false') ? 'Prune=false' : undefined;
    if (keeps) {
      pruned.splice(pruned.indexOf(o), 1);
      kept.push(o);
      if (dataOf(o.object)) finding({ kind: 'kept', object: planObject(o), message: `${objectText(planObject(o))} is no longer in git but Argo CD keeps it (${keeps}): it stays, with what it holds, until a person deletes it` });
      continue;
    }
    const how = removal ? removal.how : moved ? `pruned by ${application} (it moves to ${applicationOfFolder(moved.folder)}, which may sync after)` : `pruned by ${application}`;
    const data = dataOf(o.object);
    if (data) dataLoss(o, `${data} ${how}`);
  }
  // Replaces: a change Kubernetes refuses in place (an immutable field) means a delete and a create.
  for (const { before: b, after: a } of changed) {
    const replaced = immutableChange(b.object, a.object);
    if (replaced.length > 0) {
      const data = dataOf(b.object);
      const why = byHand
        ? `${replaced.join(', ')} cannot change in place: kubectl apply fails, unless a person deletes the object and applies it again`
        : `${replaced.join(', ')} cannot change in place: Argo CD's sync fails, unless the object is deleted and created again (Replace=true with Force=true, or by hand)`;
      if (data && !byHand) dataLoss(a, `${data} is replaced: ${why}`);
      else finding({ kind: 'replace', object: planObject(a), message: why });
    }
    if (b.object.kind === 'ExternalSecret') {
      const target = (x: KubeObject) => (x.spec as any)?.target?.name ?? x.metadata.name;
      if (target(b.object) !== target(a.object) && ownsTarget(b.object)) {
        dataLoss(a, `ExternalSecret ${a.namespace}/${a.object.metadata.name} now writes Secret ${target(a.object)}: its old target Secret ${target(b.object)} is deleted with its owner's change (creationPolicy Owner) and pods reading it lose it`);
      }
    }
  }

  // Hooks: an AWX launch is a side effect outside the cluster.
  for (const h of hooks) {
    if (h.outsideCluster) finding({ kind: 'side-effect', object: h.object, message: `${h.phases.join(', ')} hook ${h.object.name} launches the AWX job template ${h.calls ?? '(URL not found)'}: outside the cluster, not undone by a rollback of git` });
  }

  // Workloads.
  let rollout: PlanRollout = syncs ? 'at-once' : 'none';
  const stronger = (r: PlanRollout) => {
    const order: PlanRollout[] = ['none', 'at-once', 'rolling', 'blue-green', 'canary'];
    if (order.indexOf(r) > order.indexOf(rollout)) rollout = r;
  };
  for (const { before: b, after: a } of changed) {
    if (!WORKLOADS.has(a.object.kind)) continue;
    const template = (x: KubeObject) => (x.spec as any)?.template;
    if (isDeepStrictEqual(template(b.object), template(a.object))) continue;
    const name = `${a.object.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.object.metadata.name}`;
    const strategy = (a.object.spec as any)?.strategy;
    if (a.object.kind === 'Rollout' && strategy?.canary) {
      const steps = list(strategy.canary.steps).map((s: any) => s?.setWeight).filter((w: unknown) => typeof w === 'number');
      stronger('canary');
      finding({ kind: 'canary', object: planObject(a), message: `${name}: its pod template changed, so it starts a canary${steps.length ? ` (weights ${steps.join(', ')}%${strategy.canary.analysis || list(strategy.canary.steps).some((s: any) => s?.analysis) ? ', with analysis' : ''})` : ''}: the sync ends while the canary runs; it may pause or roll back` });
    } else if (a.object.kind === 'Rollout' && strategy?.blueGreen) {
      stronger('blue-green');
      finding({ kind: 'canary', object: planObject(a), message: `${name}: its pod template changed, so it starts a blue-green rollout (a preview stack beside the active one)` });
    } else {
      stronger('rolling');
      finding({ kind: 'rolling', object: planObject(a), message: `${name}: its pod template changed, so it replaces its pods (${a.object.kind === 'StatefulSet' ? 'one at a time' : 'rolling update'})` });
    }
  }

  // Quotas of the namespaces this Application changes.
  const namespaces = new Set([...created, ...pruned, ...changed.map((c) => c.after)].map((o) => o.namespace).filter((n): n is string => n !== undefined));
  for (const o of [...created, ...pruned, ...changed.map((c) => c.after)]) if (o.object.kind === 'Namespace') namespaces.add(o.object.metadata.name);
  const quotas = [...namespaces].sort(compareStrings).flatMap((namespace) => {
    const q = quotaOf(namespace, before, after, acmeBefore, acmeAfter);
    return q ? [q] : [];
  });
  for (const q of quotas) {
    const over = q.resources.filter((r) => r.exceeds);
    if (over.length > 0) {
      finding({
        kind: 'unschedulable', object: { kind: 'ResourceQuota', namespace: q.namespace, name: 'quota' },
        message: `namespace ${q.namespace} cannot run its peak (max replicas, rollout surge, largest hook): ${over.map((r) => `${r.resource} needs ${r.after} but the quota allows ${r.hard}`).join('; ')}`,
      });
    }
  }

  const tenantOf = (o: Placed) => {
    const label = (o.object.metadata.labels as Record<string, unknown> | undefined)?.['stoa.io/tenant'];
    return typeof label === 'string' ? [label] : [];
  };
  const tenantFolder = folder.split('/')[1] === 'tenants' ? [folder.split('/')[2]] : [];
  const tenants = [...new Set([...tenantFolder, ...[...created, ...pruned, ...kept, ...changed.map((c) => c.after), ...changed.map((c) => c.before)].flatMap(tenantOf)])].filter(Boolean).sort(compareStrings);
  return {
    application, folder, manualSync, byHand, ...(project ? { project } : {}),
    created: created.map(planObject).sort(compareObjects),
    changed: changed.map((c) => planObject(c.after)).sort(compareObjects),
    pruned: pruned.map(planObject).sort(compareObjects),
    kept: kept.map(planObject).sort(compareObjects),
    hooks, rollout, tenants, quotas,
  };
}

/** How the objects of a folder that is gone from git leave the cluster, when its Application goes too. */
interface FolderRemoval {
  /** Whether they are deleted (the Application's resources finalizer cascades). */
  readonly cascade: boolean;
  /** What happens, in words. */
  readonly how: string;
}

/**
 * What Argo CD does when `folder` holds nothing at the head: its Application (an app-of-apps child,
 * pruned by the root) or the ApplicationSet's Application goes, and its objects go with it only
 * through a resources finalizer. Undefined when the folder still holds objects (its Application prunes them).
 */
function folderRemoval(folder: string, application: string, before: EnvTree, after: EnvTree, applicationSet: KubeObject | undefined): FolderRemoval | undefined {
  if (after.objects.some((o) => o.folder === folder)) return undefined;
  const app = before.applications.get(folder);
  const cascades = (finalizers: unknown) => list(finalizers).some((f) => typeof f === 'string' && (f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`)));
  if (app) {
    if (after.applications.has(folder)) return undefined;
    // The root Application (the app-of-apps) prunes the child: by itself when it prunes automatically, else when a person syncs it with prune.
    const root = before.applications.get(`${folder.split('/')[0]}/apps`);
    const rootPrunes = (root?.spec as any)?.syncPolicy?.automated?.prune === true;
    const prunes = rootPrunes ? 'the root Application prunes' : 'when a person syncs the root Application with prune, it prunes';
    const options = syncOptionsOf(app);
    const keeps = options.has('Delete=false') ? 'Delete=false' : options.has('Prune=false') ? 'Prune=false' : undefined;
    if (keeps) return { cascade: false, how: `the root Application keeps the Application ${application} (${keeps} on it), which no longer finds its folder and prunes nothing` };
    return cascades(app.metadata.finalizers)
      ? { cascade: true, how: `deleted with the Application ${application} (its resources finalizer), which ${rootPrunes ? 'the root Application prunes' : 'goes when a person syncs the root Application with prune'}` }
      : { cascade: false, how: `${prunes} the Application ${application}, which has no resources finalizer: its objects are left, no longer managed` };
  }
  if (applicationSet) {
    const policy = (applicationSet.spec as any)?.syncPolicy ?? {};
    const name = applicationSet.metadata.name;
    if (policy.applicationsSync === 'create-only' || policy.applicationsSync === 'create-update') {
      return { cascade: false, how: `the ApplicationSet ${name} keeps the Application ${application} (applicationsSync: ${policy.applicationsSync}), OutOfSync until a person deletes it` };
    }
    const template = (applicationSet.spec as any)?.template?.metadata?.finalizers;
    const explicit = list(template).length > 0;
    return cascades(generatedFinalizers(applicationSet, template))
      ? { cascade: true, how: `deleted with the Application ${application} (its resources finalizer${explicit ? ', from the template' : ', which the controller adds'}), which the ApplicationSet ${name} deletes` }
      : { cascade: false, how: `the ApplicationSet ${name} deletes the Application ${application} without its objects (${explicit ? 'the template\'s finalizers do not cascade' : 'preserveResourcesOnDeletion'}): they are left, no longer managed` };
  }
  return undefined;
}

/** `Kind namespace/name`. */
function objectText(o: PlanObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** What data an object holds that a delete loses, or undefined. */
function dataOf(o: KubeObject): string | undefined {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  switch (o.kind) {
    case 'Namespace': return `Namespace ${o.metadata.name} (and everything in it)`;
    case 'PersistentVolumeClaim': return `PersistentVolumeClaim ${ns}${o.metadata.name} (its volume, with the default Delete reclaim policy)`;
    case 'StatefulSet': return list((o.spec as any)?.volumeClaimTemplates).length > 0 ? `StatefulSet ${ns}${o.metadata.name} with volumeClaimTemplates (its pods' volumes)` : undefined;
    case 'ExternalSecret': return ownsTarget(o) ? `ExternalSecret ${ns}${o.metadata.name} (its target Secret ${(o.spec as any)?.target?.name ?? o.metadata.name}, deleted with it)` : undefined;
    default: return undefined;
  }
}

/** Whether an ExternalSecret owns its target Secret (creationPolicy Owner, the default): the Secret goes with it. */
function ownsTarget(o: KubeObject): boolean {
  return ((o.spec as any)?.target?.creationPolicy ?? 'Owner') === 'Owner';
}

/** The immutable fields that differ (what a sync cannot apply in place). */
function immutableChange(b: KubeObject, a: KubeObject): string[] {
  const differs = (fields: readonly string[], get: (x: KubeObject) => any) => fields.filter((f) => !isDeepStrictEqual(get(b)?.[f], get(a)?.[f])).map((f) => `spec.${f}`);
  switch (a.kind) {
    case 'PersistentVolumeClaim': {
      const out = differs(PVC_IMMUTABLE, (x) => x.spec);
      const size = (x: KubeObject) => (x.spec as any)?.resources?.requests?.storage;
      try {
        if (size(b) !== undefined && size(a) !== undefined && parseQuantity(size(a)) < parseQuantity(size(b))) out.push('spec.resources.requests.storage (a volume cannot shrink)');
      } catch { /* not a quantity: validation reports it */ }
      return out;
    }
    case 'StatefulSet': return differs(STS_IMMUTABLE, (x) => x.spec);
    case 'Deployment': case 'DaemonSet': case 'ReplicaSet': return differs(['selector'], (x) => x.spec);
    case 'Job': return differs(['selector', 'template'], (x) => x.spec);
    default: return [];
  }
}

function hookOf(o: Placed): PlanHook {
  const labels = (o.object.metadata.labels ?? {}) as Record<string, unknown>;
  const env = (list((o.object.spec as any)?.template?.spec?.containers)).flatMap((c: any) => list(c?.env));
  const value = (name: string) => env.find((e: any) => e?.name === name)?.value as string | undefined;
  const awx = value('AWX_URL');
  const smoke = labels['stoa.io/hook'] === 'smoke-test';
  const calls = awx ?? (smoke ? value('SMOKE_HOST') ?? value('SMOKE_INGRESS_URL') : undefined);
  return {
    object: planObject(o), phases: syncPhasesOf(o.object), what: awx ? 'awx' : smoke ? 'smoke-test' : 'other',
    ...(calls ? { calls } : {}), outsideCluster: awx !== undefined,
  };
}

function compareHooks(a: PlanHook, b: PlanHook): number {
  const order = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];
  return order.indexOf(a.phases[0]) - order.indexOf(b.phases[0]) || compareObjects(a.object, b.object);
}

function quotaOf(namespace: string, before: EnvTree, after: EnvTree, acmeBefore: boolean, acmeAfter: boolean): PlanQuota | undefined {
  const of = (tree: EnvTree) => tree.objects.filter((o) => o.namespace === namespace).map((o) => o.object);
  const [b, a] = [of(before), of(after)];
  const quota = a.find((o) => o.kind === 'ResourceQuota');
  if (!quota && !b.some((o) => o.kind === 'ResourceQuota')) return undefined;
  const hard = quota ? quotaHard(quota) : {};
  const peakBefore = b.length > 0 ? peakDemand(b, acmeBefore) : undefined;
  const peakAfter = a.length > 0 ? peakDemand(a, acmeAfter) : undefined;
  const resources = QUOTA_RESOURCES.filter((r) => hard[r] !== undefined || !quota).map((r): PlanQuotaResource => ({
    resource: r,
    ...(peakBefore ? { before: formatAmount(r, peakBefore[r]) } : {}),
    ...(peakAfter ? { after: formatAmount(r, peakAfter[r]) } : {}),
    ...(hard[r] !== undefined ? { hard: formatAmount(r, hard[r]!) } : {}),
    exceeds: peakAfter !== undefined && hard[r] !== undefined && peakAfter[r] > hard[r]!,
  }));
  return { namespace, resources };
}

function capacityOf(environment: string, file: string | undefined, headFile: any, before: EnvTree, after: EnvTree, acmeBefore: boolean, acmeAfter: boolean): PlanCapacity | undefined {
  if (headFile?.capacity === undefined) return undefined;
  const parsed = clusterCapacity.safeParse(headFile.capacity);
  if (!parsed.success) {
    throw new WorkflowError(`${file ?? `${environment}.yaml`}: capacity ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const total = (tree: EnvTree, acme: boolean) => {
    const sum = { cpu: 0n, memory: 0n };
    const byNamespace = new Map<string, KubeObject[]>();
    for (const o of tree.objects) {
      if (o.namespace === undefined) continue;
      byNamespace.set(o.namespace, [...(byNamespace.get(o.namespace) ?? []), o.object]);
    }
    for (const objects of byNamespace.values()) {
      const peak = peakDemand(objects, acme);
      sum.cpu += peak['requests.cpu'];
      sum.memory += peak['requests.memory'];
    }
    return sum;
  };
  const b = total(before, acmeBefore);
  const a = total(after, acmeAfter);
  const cpu = parseQuantity(parsed.data.cpu);
  const memory = parseQuantity(parsed.data.memory);
  return {
    cpu: parsed.data.cpu, memory: parsed.data.memory,
    cpuBefore: formatAmount('requests.cpu', b.cpu), cpuAfter: formatAmount('requests.cpu', a.cpu),
    memoryBefore: formatAmount('requests.memory', b.memory), memoryAfter: formatAmount('requests.memory', a.memory),
    exceeds: a.cpu > cpu || a.memory > memory,
  };
}

function formatAmount(resource: QuotaResource, nanos: bigint): string {
  if (resource === 'pods') return String(nanos / 1_000_000_000n);
  return formatQuantity(nanos, resource.endsWith('memory') ? 'binary' : 'decimal');
}

/** The objects of YAML files by blob id: a file the same at both refs (most of them) is read and parsed once. Never modified. */
type ParsedBlobs = Map<string, readonly KubeObject[]>;

/** Every object of one environment's output at `commit`, with its folder and namespace. */
function envTree(top: string, commit: string, inRepo: string, environment: string, parsed: ParsedBlobs): EnvTree {
  const files = [...filesAt(top, commit, `${inRepo}/${environment}`)].map(([file, { id }]) => ({ file, id }))
    .filter((f) => f.file.endsWith('.yaml') || f.file.endsWith('.yml'));
  const unread = [...new Set(files.map((f) => f.id).filter((id) => !parsed.has(id)))];
  readBlobsById(top, unread).forEach((text, i) => parsed.set(unread[i], text === undefined ? [] : objectsOf(text)));
  const raw = files.flatMap(({ file, id }) => parsed.get(id)!.map((object) => ({ object, folder: folderOf(file.slice(inRepo.length + 1)) })));
  const applications = new Map<string, KubeObject>();
  const projects = new Map<string, KubeObject>();
  let tenantApplicationSet: KubeObject | undefined;
  const tenantsGlob = `${environment}/tenants/*`;
  for (const { object } of raw) {
    if (object.kind === 'Application') {
      for (const source of [(object.spec as any)?.source, ...list((object.spec as any)?.sources)]) {
        if (typeof source?.path === 'string') applications.set(path.posix.normalize(source.path), object);
      }
    } else if (object.kind === 'AppProject') {
      projects.set(object.metadata.name, object);
    } else if (object.kind === 'ApplicationSet'
      && list((object.spec as any)?.generators).some((g: any) => list(g?.git?.directories).some((d: any) => typeof d?.path === 'string' && path.posix.normalize(d.path) === tenantsGlob && d.exclude !== true))) {
      tenantApplicationSet ??= object;
    }
  }
  const destination = (folder: string): string | undefined => {
    const app = applications.get(folder);
    const ns = (app?.spec as any)?.destination?.namespace;
    if (typeof ns === 'string') return ns;
    const parts = folder.split('/');
    return parts[1] === 'tenants' && parts[2] ? `tenant-${parts[2]}` : undefined;
  };
  const objects = raw.map(({ object, folder }): Placed => {
    const own = object.metadata.namespace;
    const namespace = CLUSTER_SCOPED_KINDS.has(object.kind) ? undefined : typeof own === 'string' ? own : destination(folder);
    return { object, folder, ...(namespace !== undefined ? { namespace } : {}) };
  });
  return { objects, applications, projects, ...(tenantApplicationSet ? { tenantApplicationSet } : {}) };
}

/** The Kubernetes objects of one YAML file (documents that do not parse, or are not objects, are skipped). */
function objectsOf(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, { maxAliasCount: 100 } as any) as any[]) {
    if (doc.errors?.length) continue;
    const object = doc.toJS({ maxAliasCount: 100 });
    if (object && typeof object === 'object' && typeof object.kind === 'string' && typeof object.metadata?.name === 'string') objects.push(object);
  }
  return objects;
}

/** The `Acknowledge-Data-Loss` trailer values of the commits `base..head`. */
function acknowledgements(top: string, base: string, head: string): Set<string> {
  return new Set(trailerValues(top, DATA_LOSS_TRAILER, [`${base}..${head}`]));
}

function promotionOrder(files: Array<[string, any]>): string[] {
  const from = new Map(files.map(([name, f]) => [name, typeof f?.promotedFrom === 'string' ? f.promotedFrom : undefined]));
  const depth = (name: string, seen = new Set<string>()): number => {
    const source = from.get(name);
    if (!source || seen.has(name)) return 0;
    seen.add(name);
    return 1 + depth(source, seen);
  };
  return [...from.keys()].sort((a, b) => depth(a) - depth(b) || compareStrings(a, b));
}

function keyOf(o: Placed): string {
  const group = apiGroupOf(typeof o.object.apiVersion === 'string' ? o.object.apiVersion : '');
  return `${group}|${o.object.kind}|${o.namespace ?? ''}|${o.object.metadata.name}`;
}

function planObject(o: Placed): PlanObject {
  return { kind: o.object.kind, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), name: o.object.metadata.name };
}

function objectId(o: PlanObject | undefined): string {
  return o ? `${o.kind}/${o.namespace ?? ''}/${o.name}` : '';
}

function compareObjects(a: PlanObject, b: PlanObject): number {
  return compareStrings(objectId(a), objectId(b));
}

/** One sync window in a line. */
export function windowText(w: PlanSyncWindow): string {
  return `${w.kind} "${w.schedule}" for ${w.duration}${w.timeZone ? ` (${w.timeZone})` : ' (UTC)'}${w.manualSync ? ', manual syncs outside it' : ''}`;
}

function folderOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
}

function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
