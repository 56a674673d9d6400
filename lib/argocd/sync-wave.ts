import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { SYNC_WAVE_ANNOTATION } from './sync-policy';

/** Sync waves of a tenant's Application: what must exist before workloads start. */
export const SYNC_WAVES = {
  /** Namespace, quota, limits, RBAC, network policy, service accounts. */
  foundation: -3,
  /** SecretStores, ready before the ExternalSecrets that read through them. */
  stores: -2,
  /** ExternalSecrets, so Secrets exist before pods mount them (Argo CD waits while they are Progressing; one that errors is Degraded and fails the sync). */
  secrets: -1,
  /** Workloads and everything else. */
  workloads: 0,
} as const;

/**
 * Sync waves of the Applications in an environment's app-of-apps: each waits for
 * the ones before it to be healthy (with the Application health check of
 * `argocd-config/`), so what an Application needs exists before it syncs.
 */
export const APP_SYNC_WAVES = {
  /** AppProjects: an Application cannot refer to a project that does not exist. */
  projects: -3,
  /** The ClusterSecretStore, read by the hooks namespace's ExternalSecret; the admission policies, in force before any workload. */
  secretStore: -2,
  /** The hooks namespace and its AWX token, used by tenants' hook Jobs. */
  hooks: -1,
  /** Platform components (the control-plane API the gateways talk to). */
  platform: 0,
  /** Tenants (Applications or their ApplicationSet). */
  tenants: 1,
  /** Dashboards and alert rules: last, so that a cluster without a monitoring stack never holds back a tenant. */
  observability: 2,
  /** Pull request previews' ApplicationSet: last, so that a git host it cannot reach (it is Degraded then) never holds back the environment. */
  previews: 3,
} as const;

/** Puts every object under `scope` in sync wave `wave`. */
export function setSyncWave(scope: IConstruct, wave: number): void {
  for (const c of scope.node.findAll()) {
    if (ApiObject.isApiObject(c)) c.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
  }
}
