/**
 * Kinds without a namespace: the cluster-scoped core and well-known controller kinds, and the
 * cluster-scoped kinds of the pinned CRDs. Any other kind is taken as namespaced.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass',
  'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService',
  'ClusterSecretStore', 'ClusterAnalysisTemplate', 'ClusterIssuer', 'RuntimeClass', 'CSIDriver', 'VolumeSnapshotClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

/** The API group of an `apiVersion` (`apps/v1` → `apps`; `v1` → `''`, the core group). */
export function apiGroupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}
