import { TierName } from '../config/tiers';

/** People and groups who own a tenant. */
export interface TenantOwners {
  /**
   * User names as the cluster's authenticator reports them.
   * @default - none
   */
  readonly users?: readonly string[];
  /**
   * Group names as the cluster's authenticator reports them.
   * @default - none
   */
  readonly groups?: readonly string[];
}

/** A secret the tenant needs, by reference to the environment's secret store. */
export interface TenantSecret {
  /** Name of the Secret created in the tenant namespace. */
  readonly name: string;
  /** Key (path) in the store; must be under `tenants/<tenant>/`. */
  readonly key: string;
  /**
   * Property of that key.
   * @default - the whole value, as key `value`
   */
  readonly property?: string;
}

/** The tenant's Argo CD sync hooks: AWX job templates launched around each sync. */
export interface TenantHooks {
  /**
   * AWX job template launch URL run before each sync (provisioning: Keycloak realm, database schema, ...).
   * @default - no provisioning hook
   */
  readonly preSync?: string;
  /**
   * AWX job template launch URL run after each successful sync (validation).
   * @default - no validation hook
   */
  readonly postSync?: string;
  /**
   * AWX job template launch URL run once after the tenant's Application is deleted (the tenant left
   * the environment): deprovisioning what `preSync` created outside the cluster. An Argo CD
   * `PostDelete` hook (Argo CD 2.10+), run in the hooks namespace, which outlives the tenant's.
   * @default - no deprovisioning hook: what preSync created outside the cluster stays
   */
  readonly postDelete?: string;
}

/** Props of {@link Tenant}. */
export interface TenantProps {
  /** Tenant name (a DNS label of at most 40 characters); the namespace is `tenant-<name>`. */
  readonly name: string;
  /** Size class: quota, limits, gateway replicas and autoscaling. */
  readonly tier: TierName;
  /** Who may access the namespace: read and operate in full environments, read in read-only ones (never Secret values). */
  readonly owners: TenantOwners;
  /**
   * Human name, recorded as an annotation on the namespace.
   * @default - the tenant name
   */
  readonly displayName?: string;
  /**
   * Deliver the gateway as a canary where the environment offers canary analysis.
   * @default - the environment's choice
   */
  readonly canary?: boolean;
  /**
   * Autoscaler of an autoscaled tier: an HPA on CPU, or KEDA (CPU, plus the request rate when the environment has Prometheus).
   * @default 'hpa'
   */
  readonly autoscaler?: 'hpa' | 'keda';
  /**
   * Secrets to create from the environment's secret store (never values).
   * @default - none
   */
  readonly secrets?: readonly TenantSecret[];
  /**
   * AWX sync hooks.
   * @default - none
   */
  readonly hooks?: TenantHooks;
}
