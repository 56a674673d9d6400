import { k8s } from 'cdk8s-plus-28';

/** UID and GID the platform's images run as. */
export const NON_ROOT_ID = 10001;

/** Pod-level settings of the `restricted` Pod Security Standard. */
export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    fsGroup: NON_ROOT_ID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level settings of the `restricted` Pod Security Standard, with a read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** Namespace labels that make admission enforce the `restricted` Pod Security Standard. */
export function restrictedNamespaceLabels(): Record<string, string> {
  return { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
}
