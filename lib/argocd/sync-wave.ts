import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { SYNC_WAVE_ANNOTATION } from './sync-policy';

/** Sync waves of a tenant's Application: what must exist before workloads start. */
export const SYNC_WAVES = {
  /** Namespace, quota, limits, RBAC, network policy. */
  foundation: -2,
  /** ExternalSecrets, so Secrets exist before pods mount them. */
  secrets: -1,
  /** Workloads and everything else. */
  workloads: 0,
} as const;

/** Puts every object under `scope` in sync wave `wave`. */
export function setSyncWave(scope: IConstruct, wave: number): void {
  for (const c of scope.node.findAll()) {
    if (ApiObject.isApiObject(c)) c.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
  }
}
