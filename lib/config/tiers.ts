import { formatQuantity, parseQuantity } from '../quantity';

/** Tenant size classes, smallest first. */
export const TIER_NAMES = ['bronze', 'silver', 'gold'] as const;

/** One of the tenant size classes. */
export type TierName = typeof TIER_NAMES[number];

/** Compute amounts in Kubernetes quantity strings. */
export interface ComputeAmounts {
  /** CPU, e.g. `500m`. */
  readonly cpu: string;
  /** Memory, e.g. `512Mi`. */
  readonly memory: string;
}

/** What a tier lets a tenant run: the one source its quota is derived from. */
export interface TierSpec {
  /** LimitRange defaults for containers that do not set their own. */
  readonly containerDefaults: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Gateway container resources. */
  readonly gatewayResources: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Fixed replicas, or an autoscaling range (then an HPA or KEDA owns `spec.replicas`). */
  readonly gatewayReplicas: { readonly fixed: number } | { readonly min: number; readonly max: number };
}

/** The size of each tier. Quotas are not listed here: {@link tierQuota} derives them. */
export const TIERS: Readonly<Record<TierName, TierSpec>> = {
  bronze: {
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    gatewayResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    gatewayReplicas: { fixed: 1 },
  },
  silver: {
    containerDefaults: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    gatewayResources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    gatewayReplicas: { min: 2, max: 5 },
  },
  gold: {
    containerDefaults: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    gatewayResources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    gatewayReplicas: { min: 3, max: 10 },
  },
};

/** Share of the replicas a rollout may add on top (Deployment and canary Rollout `maxSurge`). */
export const ROLLOUT_SURGE_PERCENT = 25;

/** How many gateway pods a tier may run at once, and why. */
export interface TierPeak {
  /** Most replicas (the fixed count, or the autoscaler's maximum). */
  readonly maxReplicas: number;
  /** Extra pods of a rolling update or canary step at full scale (`maxSurge` 25%, rounded up). */
  readonly surge: number;
  /**
   * Pods of a new workload while the old one still runs: when a tenant switches between a
   * Deployment and a canary Rollout, the old one is pruned last (`PruneLast=true`), after
   * the new one is healthy at its minimum.
   */
  readonly switchHeadroom: number;
  /** The sum: the most gateway pods that can exist at once. */
  readonly pods: number;
}

/** The peak number of gateway pods of `tier`. */
export function tierPeak(tier: TierName): TierPeak {
  const r = TIERS[tier].gatewayReplicas;
  const [min, max] = 'fixed' in r ? [r.fixed, r.fixed] : [r.min, r.max];
  const surge = Math.ceil((max * ROLLOUT_SURGE_PERCENT) / 100);
  return { maxReplicas: max, surge, switchHeadroom: min, pods: max + surge + min };
}

/** cert-manager's HTTP-01 solver pods in a tenant namespace: one runs while the gateway's certificate is issued or renewed. */
export const ACME_SOLVER_PODS = 1;

/** Resources of one cert-manager HTTP-01 solver pod (cert-manager's defaults). */
export const ACME_SOLVER_RESOURCES: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts } = {
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { cpu: '100m', memory: '64Mi' },
};

/** Resources of one hook Job pod (the AWX hooks, the gateway smoke test): a Node.js script that waits on HTTP. */
export const HOOK_POD_RESOURCES: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts } = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { cpu: '200m', memory: '128Mi' },
};

/** Pods of the gateway smoke test (a PostSync hook Job in the tenant namespace) that run at once: one. */
export const SMOKE_TEST_PODS = 1;

/** ResourceQuota hard limits of a tier. */
export interface TierQuota {
  /** Sum of requests allowed. */
  readonly requests: ComputeAmounts;
  /** Sum of limits allowed. */
  readonly limits: ComputeAmounts;
  /** Pods allowed. */
  readonly pods: number;
}

/**
 * The quota of `tier`, derived from what the tier may run: its peak gateway pods
 * ({@link tierPeak}) times the gateway's requests and limits, plus one cert-manager
 * HTTP-01 solver pod (cert-manager's default resources), plus the gateway smoke test's
 * pod (a PostSync hook Job of the tenant namespace, {@link HOOK_POD_RESOURCES}), which may
 * run while the autoscaler holds the gateway at its maximum. The AWX hook Jobs run in the
 * platform's hooks namespace and take nothing from it.
 */
export function tierQuota(tier: TierName): TierQuota {
  const { pods } = tierPeak(tier);
  const { requests, limits } = TIERS[tier].gatewayResources;
  const total = (gateway: string, solver: string, hook: string) => parseQuantity(gateway) * BigInt(pods)
    + parseQuantity(solver) * BigInt(ACME_SOLVER_PODS) + parseQuantity(hook) * BigInt(SMOKE_TEST_PODS);
  const sum = (gateway: ComputeAmounts, solver: ComputeAmounts, hook: ComputeAmounts): ComputeAmounts => ({
    cpu: formatQuantity(total(gateway.cpu, solver.cpu, hook.cpu)),
    memory: formatQuantity(total(gateway.memory, solver.memory, hook.memory), 'binary'),
  });
  return {
    requests: sum(requests, ACME_SOLVER_RESOURCES.requests, HOOK_POD_RESOURCES.requests),
    limits: sum(limits, ACME_SOLVER_RESOURCES.limits, HOOK_POD_RESOURCES.limits),
    pods: pods + ACME_SOLVER_PODS + SMOKE_TEST_PODS,
  };
}

/** The tier table of docs/tenant-file.md, generated from {@link TIERS} (a test keeps the README in step). */
export function tierTable(): string {
  const rows = TIER_NAMES.map((name) => {
    const r = TIERS[name].gatewayReplicas;
    const peak = tierPeak(name);
    const q = tierQuota(name);
    const g = TIERS[name].gatewayResources;
    const replicas = 'fixed' in r ? `${r.fixed}, fixed` : `${r.min}–${r.max}, autoscaled`;
    return `| ${name} | ${replicas} | ${g.requests.cpu} / ${g.limits.cpu}, ${g.requests.memory} / ${g.limits.memory} `
      + `| ${peak.maxReplicas} + ${peak.surge} + ${peak.switchHeadroom} + ${ACME_SOLVER_PODS} + ${SMOKE_TEST_PODS} = ${q.pods} `
      + `| ${q.requests.cpu} / ${q.limits.cpu} | ${q.requests.memory} / ${q.limits.memory} | ${q.pods} |`;
  });
  return [
    '| tier | gateway replicas | gateway CPU, memory (request / limit) | peak pods (max + surge + switch + ACME solver + smoke test) | quota CPU (requests / limits) | quota memory | quota pods |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
