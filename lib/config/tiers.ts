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

/** What a tier gives a tenant. */
export interface TierSpec {
  /** ResourceQuota hard limits for the namespace. */
  readonly quota: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts; readonly pods: number };
  /** LimitRange defaults for containers that do not set their own. */
  readonly containerDefaults: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Gateway container resources. */
  readonly gatewayResources: { readonly requests: ComputeAmounts; readonly limits: ComputeAmounts };
  /** Fixed replicas, or an autoscaling range (then an HPA owns `spec.replicas`). */
  readonly gatewayReplicas: { readonly fixed: number } | { readonly min: number; readonly max: number };
}

/** The size of each tier. */
export const TIERS: Readonly<Record<TierName, TierSpec>> = {
  bronze: {
    quota: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' }, pods: 10 },
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    gatewayResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    gatewayReplicas: { fixed: 1 },
  },
  silver: {
    quota: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '8', memory: '16Gi' }, pods: 20 },
    containerDefaults: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    gatewayResources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    gatewayReplicas: { min: 2, max: 5 },
  },
  gold: {
    quota: { requests: { cpu: '8', memory: '16Gi' }, limits: { cpu: '16', memory: '32Gi' }, pods: 40 },
    containerDefaults: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    gatewayResources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    gatewayReplicas: { min: 3, max: 10 },
  },
};
