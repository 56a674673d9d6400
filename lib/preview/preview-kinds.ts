import { TENANT_NAMESPACED_KINDS } from '../tenant/tenant-kinds';

/**
 * Every namespaced kind a pull request preview may deploy: a tenant's (its namespace's objects, its
 * gateway, its smoke test) and the ConfigMaps of platform components. No Argo CD kind (a preview
 * that made an AppProject or Application could reach beyond its namespaces), no Secret and no secret store.
 */
export const PREVIEW_NAMESPACED_KINDS: ReadonlyArray<{ readonly group: string; readonly kind: string }> = [
  // No secret store objects: a preview reads no secret (previewInput drops them).
  ...TENANT_NAMESPACED_KINDS.filter((k) => k.group !== 'external-secrets.io'),
  { group: '', kind: 'ConfigMap' },
];
