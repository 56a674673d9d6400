import { BEHAVIOUR_RULES } from '../behaviour';
import { API_SERVER_RULES } from '../api-server';
import { environmentSources } from '../environment-sources';
import { PolicyRule } from '../policy';
import { projectPermits, projectScope, readOnlyProjectRoles, tenantConfined } from './argo-projects';
import { notificationSubscriptions, readOnlyManualSync, refreshPaths, sourcePathExists } from './argo-applications';
import { argocdRbacAgrees, argocdRbacLines, argocdRbacSettings } from './argocd-rbac';
import { singleAutoscaler, uniqueObjects } from './conflicts';
import { argocdCredentialsByReference, noSecretData, repoCredentialsUnique } from './secrets';
import { tenantDefaultDeny } from './tenant-network';
import { previewFence } from './previews';
import { containerResources, imagePinned, nonRoot } from './workloads';

export { isPinnedImage } from './workloads';

/** Every platform rule, in report order: per-object rules, what the API server refuses, then the behaviour rules that model the cluster's tools. */
export const POLICY_RULES: readonly PolicyRule[] = [
  noSecretData, argocdCredentialsByReference, repoCredentialsUnique, imagePinned, containerResources, nonRoot, tenantDefaultDeny,
  projectScope, projectPermits, tenantConfined, readOnlyManualSync, readOnlyProjectRoles, argocdRbacSettings, argocdRbacLines, argocdRbacAgrees, refreshPaths, notificationSubscriptions, uniqueObjects, sourcePathExists, environmentSources, previewFence, singleAutoscaler,
  ...API_SERVER_RULES,
  ...BEHAVIOUR_RULES,
];
