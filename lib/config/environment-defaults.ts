/**
 * What an environment is when its file or props do not say: stated once, for environment
 * files, the Environment construct and the validation of their output.
 */
export const ENVIRONMENT_DEFAULTS = {
  /** Namespace Argo CD runs in. */
  argocdNamespace: 'argocd',
  /** API server of the cluster Argo CD runs in (where Applications are created). */
  argocdServer: 'https://kubernetes.default.svc',
  /** Namespace of the platform components. */
  platformNamespace: 'stoa-system',
  /** Namespace of the tenants' AWX sync hooks. */
  hooksNamespace: 'stoa-hooks',
  /** Vault role the hooks namespace reads the AWX token with. */
  hooksVaultRole: 'stoa-hooks',
  /** IngressClass of every Ingress. */
  ingressClassName: 'nginx',
  /** cert-manager ClusterIssuer. */
  clusterIssuer: 'letsencrypt',
  /** Namespace of the ingress controller. */
  ingressControllerNamespace: 'ingress-nginx',
  /** The ingress controller's Service in its namespace (ingress-nginx's Helm chart under its own name), serving HTTPS on 443. */
  ingressControllerService: 'ingress-nginx-controller',
  /** How cert-manager solves ACME challenges. */
  acmeSolver: 'http01',
  /** Namespace of Prometheus. */
  monitoringNamespace: 'monitoring',
  /**
   * Labels of every PodMonitor and PrometheusRule: a kube-prometheus-stack install selects them by its
   * Helm release name (`release: <name>`) unless told to select everything; this is its chart's name.
   */
  monitorLabels: { release: 'kube-prometheus-stack' } as Readonly<Record<string, string>>,
} as const;

/** The namespace Argo CD runs in unless an environment says otherwise (`argocd.namespace`). */
export const DEFAULT_ARGOCD_NAMESPACE = ENVIRONMENT_DEFAULTS.argocdNamespace;

/** The tenant-ready webhook service of environment `env` when its file names none: named for it, so one Argo CD serving every environment keeps each one's. */
export function defaultTenantReadyService(env: string): string {
  return `stoa-control-plane-${env}`;
}

/** The Kubernetes minor version a cluster is taken to run when its environment does not say: the oldest the platform supports. */
export const OLDEST_KUBERNETES_VERSION = '1.28';

/** The first Kubernetes minor version serving ValidatingAdmissionPolicy as admissionregistration.k8s.io/v1 (GA). */
export const ADMISSION_POLICY_MINOR = 30;

/** Whether a cluster on `kubernetesVersion` (`1.30`) serves admissionregistration.k8s.io/v1 admission policies. */
export function servesAdmissionPolicies(kubernetesVersion: string): boolean {
  const [major, minor] = kubernetesVersion.split('.').map(Number);
  return major > 1 || minor >= ADMISSION_POLICY_MINOR;
}
