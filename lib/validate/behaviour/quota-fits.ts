import { KubeObject } from '../../render/render';
import { compareStrings } from '../../sort';
import { environmentFacts, environmentOf, ObjectInFile, PolicyRule, podSpecOf } from '../policy';
import { list } from '../model/fields';
import { compareFindings, Finding } from '../model/findings';
import { destinationsByFolder, namespaceResolver, objectsByNamespace } from '../model/output-index';
import { isHook } from '../model/sync-phases';
import { ACME_SOLVER_RESOURCES } from '../../config/tiers';
import { formatQuantity, NANO_PER_UNIT, parseQuantity, tryParseQuantity } from '../../quantity';

/** A resource a ResourceQuota limits and this rule checks. */
export type QuotaResource = 'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory' | 'pods';

/** Nano-units of each resource. */
type Resource = QuotaResource;
type Amounts = Record<Resource, bigint>;

/** Every resource the rule checks, in report order. */
export const QUOTA_RESOURCES: readonly QuotaResource[] = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'pods'];
const RESOURCES: readonly Resource[] = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'pods'];
// `cpu` and `memory` in spec.hard mean requests (Kubernetes' own aliases).
const HARD_KEYS: Readonly<Record<string, Resource>> = {
  'requests.cpu': 'requests.cpu', cpu: 'requests.cpu', 'requests.memory': 'requests.memory', memory: 'requests.memory',
  'limits.cpu': 'limits.cpu', 'limits.memory': 'limits.memory', pods: 'pods',
};
const WORKLOAD_KINDS = new Set(['Deployment', 'Rollout', 'StatefulSet', 'ReplicaSet']);
// KEDA's default when a ScaledObject sets no maxReplicaCount.
const KEDA_DEFAULT_MAX_REPLICAS = 100;

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const zero = (): Amounts => ({ 'requests.cpu': 0n, 'requests.memory': 0n, 'limits.cpu': 0n, 'limits.memory': 0n, pods: 0n });

/** Fails when a namespace's ResourceQuota cannot admit the peak of the pods its workloads and hooks run. */
export const quotaFits: PolicyRule = {
  id: 'quota-fits',
  reason: "a namespace's ResourceQuota admits its peak: every workload at max replicas plus rollout surge, cert-manager's HTTP-01 solver, plus the largest hook Job",
  check: (context) => {
    const out: Finding[] = [];
    // An object without a namespace is in its Application's destination (the first Application by path wins).
    const namespaceOf = namespaceResolver(destinationsByFolder(context.applications, { pick: 'first-by-path' }));
    for (const { namespace, objects } of objectsByNamespace(context.objects, namespaceOf)) {
      const quotas = objects.filter((o) => o.object.kind === 'ResourceQuota');
      if (quotas.length === 0) continue;
      const acmeHttp01 = environmentFacts(context, environmentOf(quotas[0].path)).acmeHttp01;
      const demand = demandOf(objects.map((o) => o.object), acmeHttp01);
      for (const quota of quotas) out.push(...quotaViolations(namespace, quota, demand));
    }
    return out.sort(compareFindings);
  },
};

/**
 * The peak of one namespace's objects as this rule counts it (every workload at max replicas plus
 * rollout surge, cert-manager's HTTP-01 solver when `acmeHttp01`, plus the largest hook Job for each
 * resource), in nano-units (pods too: one pod is 10^9). What `plan` compares before and after.
 */
export function peakDemand(objects: readonly KubeObject[], acmeHttp01: boolean): Readonly<Record<QuotaResource, bigint>> {
  const demand = demandOf(objects, acmeHttp01);
  const out = zero();
  for (const r of RESOURCES) {
    out[r] = demand.workloads.reduce((sum, w) => sum + totalOf(w, r), 0n) + (demand.largestHook[r] ? totalOf(demand.largestHook[r]!, r) : 0n);
  }
  return out;
}

/** The hard limits of an unscoped ResourceQuota, in nano-units; empty for a scoped one (this model does not pick its pods). */
export function quotaHard(quota: KubeObject): Partial<Record<QuotaResource, bigint>> {
  const spec = quota.spec as any;
  if (list(spec?.scopes).length > 0 || spec?.scopeSelector) return {};
  const hard = spec?.hard && typeof spec.hard === 'object' ? spec.hard as Record<string, unknown> : {};
  const out: Partial<Record<QuotaResource, bigint>> = {};
  for (const key of Object.keys(hard).filter((k) => k in HARD_KEYS).sort(compareStrings)) {
    const value = tryParseQuantity(hard[key]);
    if (value !== undefined) out[HARD_KEYS[key]] = value;
  }
  return out;
}

/** What one workload, or the largest hook Job, adds at the peak. */
interface Part {
  /** e.g. `Rollout gateway`. */
  readonly label: string;
  /** Pods at the peak. */
  readonly pods: number;
  /** How the pods add up, e.g. `10 replicas by ScaledObject gateway + 3 surge`. */
  readonly why: string;
  /** Resources of one pod. */
  readonly perPod: Amounts;
}

/** The peak of a namespace: each workload's part, and for each resource the hook Job that needs the most. */
interface Demand {
  readonly workloads: readonly Part[];
  readonly largestHook: Readonly<Record<Resource, Part | undefined>>;
}

/**
 * cert-manager's HTTP-01 solver pod (its default resources, as the tier quotas count it): one runs in a
 * namespace while a certificate of one of its Ingresses is issued or renewed.
 */
const ACME_SOLVER_POD: Amounts = {
  'requests.cpu': parseQuantity(ACME_SOLVER_RESOURCES.requests.cpu), 'requests.memory': parseQuantity(ACME_SOLVER_RESOURCES.requests.memory),
  'limits.cpu': parseQuantity(ACME_SOLVER_RESOURCES.limits.cpu), 'limits.memory': parseQuantity(ACME_SOLVER_RESOURCES.limits.memory), pods: NANO_PER_UNIT,
};

function isCertManagerIngress(o: KubeObject): boolean {
  const annotations = (o.metadata.annotations ?? {}) as Record<string, unknown>;
  return o.kind === 'Ingress' && ('cert-manager.io/cluster-issuer' in annotations || 'cert-manager.io/issuer' in annotations);
}

function demandOf(objects: readonly KubeObject[], acmeHttp01: boolean): Demand {
  const defaults = containerDefaultsOf(objects.filter((o) => o.kind === 'LimitRange'));
  const scalers = maxReplicasByTarget(objects);
  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).sort(compareObjects).flatMap((w) => {
    const pod = podSpecOf(w);
    if (!pod) return [];
    const scaler = scalers.get(`${w.kind}/${w.metadata.name}`);
    const replicas = scaler?.replicas ?? replicasOf((w.spec as any)?.replicas, 1);
    const surge = surgeOf(w, replicas);
    const source = scaler ? `replicas by ${scaler.by}` : 'replicas';
    return [{ label: `${w.kind} ${w.metadata.name}`, pods: replicas + surge, why: `${replicas} ${source} + ${surge} surge`, perPod: podDemandOf(pod, defaults) }];
  });
  const solvers = acmeHttp01 ? objects.filter(isCertManagerIngress).length : 0;
  if (solvers > 0) workloads.push({ label: 'cert-manager HTTP-01 solver', pods: solvers, why: `${solvers} Ingress(es) with a certificate`, perPod: { ...ACME_SOLVER_POD } });
  const largestHook = Object.fromEntries(RESOURCES.map((r) => [r, undefined])) as Record<Resource, Part | undefined>;
  for (const job of objects.filter((o) => o.kind === 'Job' && isHook(o)).sort(compareObjects)) {
    const pod = podSpecOf(job);
    if (!pod) continue;
    const spec = job.spec as any;
    // Only running pods count against a quota: a Job runs at most parallelism of them, and no more than completions.
    const pods = Math.min(replicasOf(spec?.parallelism, 1), replicasOf(spec?.completions, Number.MAX_SAFE_INTEGER));
    const part = { label: `Job ${job.metadata.name}`, pods, why: `parallelism ${pods}`, perPod: podDemandOf(pod, defaults) };
    for (const r of RESOURCES) {
      const current = largestHook[r];
      if (!current || totalOf(part, r) > totalOf(current, r)) largestHook[r] = part;
    }
  }
  return { workloads, largestHook };
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.metadata.name, b.metadata.name);
}

/** A replica count: a non-negative integer, or the default. */
function replicasOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

function totalOf(part: Part, resource: Resource): bigint {
  return BigInt(part.pods) * part.perPod[resource];
}

/** The highest max replicas an HPA or a KEDA ScaledObject sets on each `Kind/name`. */
function maxReplicasByTarget(objects: readonly KubeObject[]): Map<string, { replicas: number; by: string }> {
  const out = new Map<string, { replicas: number; by: string }>();
  for (const o of [...objects].sort(compareObjects)) {
    const spec = o.spec as any;
    const target = spec?.scaleTargetRef;
    let replicas: number | undefined;
    if (o.kind === 'HorizontalPodAutoscaler') replicas = replicasOf(spec?.maxReplicas, 1);
    else if (o.kind === 'ScaledObject') replicas = replicasOf(spec?.maxReplicaCount, KEDA_DEFAULT_MAX_REPLICAS);
    if (replicas === undefined || typeof target?.name !== 'string') continue;
    // KEDA's scaleTargetRef defaults to a Deployment; an HPA's names its kind.
    const key = `${target.kind ?? 'Deployment'}/${target.name}`;
    const current = out.get(key);
    if (!current || replicas > current.replicas) out.set(key, { replicas, by: `${o.kind} ${o.metadata.name}` });
  }
  return out;
}

/** Extra pods while a workload rolls out. */
function surgeOf(workload: KubeObject, replicas: number): number {
  const strategy = (workload.spec as any)?.strategy;
  switch (workload.kind) {
    case 'Deployment':
      return strategy?.type === 'Recreate' ? 0 : surgeValue(strategy?.rollingUpdate?.maxSurge ?? '25%', replicas);
    case 'Rollout':
      // Blue-green runs a full preview stack beside the active one.
      if (strategy?.blueGreen) return replicasOf(strategy.blueGreen.previewReplicaCount, replicas);
      return surgeValue(strategy?.canary?.maxSurge ?? '25%', replicas);
    default:
      // A StatefulSet replaces pods one by one, never above its replicas; a bare ReplicaSet does not roll out.
      return 0;
  }
}

/** maxSurge as pods: a number, or a percentage of the replicas rounded up (as Kubernetes and Argo Rollouts do). */
function surgeValue(value: unknown, replicas: number): number {
  if (typeof value === 'number') return replicasOf(value, 0);
  if (typeof value !== 'string') return 0;
  const percent = /^([0-9]+)%$/.exec(value);
  if (percent) return Math.ceil((Number(percent[1]) * replicas) / 100);
  return /^[0-9]+$/.test(value) ? Number(value) : 0;
}

/** Defaults a LimitRange gives a container that sets no value (after the API's own LimitRange defaulting). */
interface ContainerDefaults {
  readonly limits: Partial<Record<'cpu' | 'memory', bigint>>;
  readonly requests: Partial<Record<'cpu' | 'memory', bigint>>;
}

function containerDefaultsOf(limitRanges: readonly KubeObject[]): ContainerDefaults {
  const limits: ContainerDefaults['limits'] = {};
  const requests: ContainerDefaults['requests'] = {};
  // The LimitRanger fills a missing value from the first LimitRange that has one.
  for (const range of [...limitRanges].sort(compareObjects)) {
    for (const item of list((range.spec as any)?.limits).filter((i) => i?.type === 'Container')) {
      for (const r of ['cpu', 'memory'] as const) {
        // A LimitRange's default falls back to max; its defaultRequest to default (so max), then min.
        const limit = tryParseQuantity(item.default?.[r]) ?? tryParseQuantity(item.max?.[r]);
        const request = tryParseQuantity(item.defaultRequest?.[r]) ?? limit ?? tryParseQuantity(item.min?.[r]);
        limits[r] ??= limit;
        requests[r] ??= request;
      }
    }
  }
  return { limits, requests };
}

/** A container's request or limit of `resource`; 0 when nothing sets it (quota admission would refuse the pod: no claim here). */
function containerValue(container: any, resource: Exclude<Resource, 'pods'>, defaults: ContainerDefaults): bigint {
  const [kind, name] = resource.split('.') as ['requests' | 'limits', 'cpu' | 'memory'];
  const own = container?.resources ?? {};
  const limit = tryParseQuantity(own.limits?.[name]);
  // The API sets a missing request to the container's own limit before the LimitRanger runs.
  const value = kind === 'limits'
    ? limit ?? defaults.limits[name]
    : tryParseQuantity(own.requests?.[name]) ?? limit ?? defaults.requests[name];
  return value ?? 0n;
}

/**
 * Resources of one pod, as the quota counts them: the sum of its containers and sidecars
 * (restartPolicy Always init containers), or an init container with the sidecars started before it, if larger.
 */
function podDemandOf(pod: any, defaults: ContainerDefaults): Amounts {
  const out = zero();
  out.pods = NANO_PER_UNIT;
  for (const r of RESOURCES) {
    if (r === 'pods') continue;
    let running = list(pod?.containers).reduce((sum: bigint, c) => sum + containerValue(c, r, defaults), 0n);
    let sidecars = 0n;
    let initPeak = 0n;
    for (const init of list(pod?.initContainers)) {
      const value = containerValue(init, r, defaults);
      if (init?.restartPolicy === 'Always') {
        sidecars += value;
        running += value;
        initPeak = max(initPeak, sidecars);
      } else {
        initPeak = max(initPeak, sidecars + value);
      }
    }
    out[r] = max(running, initPeak);
  }
  return out;
}

function quotaViolations(namespace: string, quota: ObjectInFile, demand: Demand): Finding[] {
  const spec = quota.object.spec as any;
  // Scoped quotas (Terminating, BestEffort, PriorityClass...) count a subset of pods this model does not pick.
  if (list(spec?.scopes).length > 0 || spec?.scopeSelector) return [];
  const hard = spec?.hard && typeof spec.hard === 'object' ? spec.hard as Record<string, unknown> : {};
  return Object.keys(hard).filter((key) => key in HARD_KEYS).sort(compareStrings).flatMap((key) => {
    const allowed = tryParseQuantity(hard[key]);
    const resource = HARD_KEYS[key];
    const needed = demand.workloads.reduce((sum, w) => sum + totalOf(w, resource), 0n)
      + (demand.largestHook[resource] ? totalOf(demand.largestHook[resource]!, resource) : 0n);
    if (allowed === undefined || needed <= allowed) return [];
    const fmt = (v: bigint) => formatQuantity(v, resource.endsWith('memory') ? 'binary' : 'decimal');
    return [{
      file: quota.path,
      message: `namespace ${namespace}, ${key}: needs ${fmt(needed)} (${breakdownOf(demand, resource, fmt)}) `
        + `but quota ${quota.object.metadata.name} allows ${fmt(allowed)}: raise ${key} to at least ${fmt(needed)}, or lower the peak (max replicas, maxSurge, hook parallelism)`,
    }];
  });
}

function breakdownOf(demand: Demand, resource: Resource, fmt: (v: bigint) => string): string {
  const part = (p: Part, pods: string) => `${p.label}: ${p.pods} ${pods} x ${fmt(p.perPod[resource])} = ${fmt(totalOf(p, resource))}`;
  const workloads = demand.workloads.filter((w) => w.pods > 0).map((w) => `${part(w, 'pods')} [${w.why}]`);
  const hook = demand.largestHook[resource];
  const hookText = hook && totalOf(hook, resource) > 0n ? `largest hook ${part(hook, hook.pods === 1 ? 'pod' : 'pods')}` : 'largest hook Job 0';
  return [...workloads, hookText].join('; ');
}
