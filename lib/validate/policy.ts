import { ENVIRONMENT_DEFAULTS, OLDEST_KUBERNETES_VERSION } from '../config/environment-defaults';
import { environmentOfPath } from '../layout/output-layout';
import { KubeObject } from '../render/render';

/** An object to check, with the file it is (or will be) written to. */
export interface ObjectInFile {
  /** Path relative to the output folder, e.g. `dev/tenants/acme/deployment-gateway.yaml`. */
  readonly path: string;
  /** The object. */
  readonly object: KubeObject;
}

/** One broken rule. */
export interface Violation {
  /** Id of the rule, e.g. `image-pinned`. */
  readonly rule: string;
  /** File the violation is in, as shown to the user. */
  readonly file: string;
  /** What is wrong, with the values involved. */
  readonly message: string;
}

/** What every rule sees. */
export interface PolicyContext {
  /** Every object of the output, sorted by path. */
  readonly objects: readonly ObjectInFile[];
  /** Every Application: those written, and those the ApplicationSets generate (with the ApplicationSet's path). */
  readonly applications: readonly ObjectInFile[];
  /** Environments whose Applications must never sync automatically. */
  readonly readOnlyEnvironments: ReadonlySet<string>;
  /** What the cluster of each environment provides around the output; see {@link factsOf}. */
  readonly environments: ReadonlyMap<string, EnvironmentFacts>;
}

/**
 * What an environment's cluster provides that the output does not render:
 * the namespaces and services the behaviour rules reason about.
 */
export interface EnvironmentFacts {
  /**
   * Namespace of the ingress controller (source of all public traffic).
   * @default 'ingress-nginx'
   */
  readonly ingressControllerNamespace: string;
  /**
   * Namespace of Prometheus (scrapes PodMonitors and ServiceMonitors).
   * @default 'monitoring'
   */
  readonly monitoringNamespace: string;
  /**
   * Link-local address of NodeLocal DNSCache, when the cluster runs it.
   * @default - none: pods resolve names through kube-dns in kube-system
   */
  readonly nodeLocalDnsAddress?: string;
  /**
   * Whether cert-manager solves ACME HTTP-01 challenges with solver pods in the Ingress's namespace.
   * @default true
   */
  readonly acmeHttp01: boolean;
  /**
   * The cluster's pod and service CIDRs (an address outside them is on the internet).
   * @default []
   */
  readonly internalCidrs: readonly string[];
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace: string;
  /**
   * Namespaces that exist before any Application syncs (Argo CD's, kube-system, the controllers').
   * @default - Argo CD's, kube-system, kube-public, default, external-secrets, the ingress and monitoring namespaces
   */
  readonly existingNamespaces: readonly string[];
  /**
   * Kubernetes version of the environment's cluster (`1.N`): API versions it does not serve are refused.
   * @default '1.28' (the oldest version the platform supports)
   */
  readonly kubernetesVersion: string;
  /**
   * The envs repo Argo CD pulls this environment from: every Application's source and every AppProject's sourceRepos must be it.
   * @default - not known: every Application of an environment must then use one repoURL and revision
   */
  readonly envsRepo?: { readonly url: string; readonly revision: string };
  /**
   * API server URL of the environment's cluster: every Application of the environment deploys there.
   * @default - not known: every Application of an environment must then use one destination server
   */
  readonly clusterServer?: string;
  /**
   * Base domain of the environment (`domain` of its environment file): a tenant's Ingresses serve `<tenant>.<domain>` only.
   * @default - not known: a tenant's Ingress hosts must then only start with `<tenant>.`
   */
  readonly domain?: string;
}

/** The oldest Kubernetes version the platform supports, and the default target of validation. */
export const DEFAULT_KUBERNETES_VERSION = OLDEST_KUBERNETES_VERSION;

/** Facts of an environment with the defaults filled in. */
export function factsOf(partial: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  const ingressControllerNamespace = partial.ingressControllerNamespace ?? ENVIRONMENT_DEFAULTS.ingressControllerNamespace;
  const monitoringNamespace = partial.monitoringNamespace ?? ENVIRONMENT_DEFAULTS.monitoringNamespace;
  const argocdNamespace = partial.argocdNamespace ?? ENVIRONMENT_DEFAULTS.argocdNamespace;
  return {
    ingressControllerNamespace,
    monitoringNamespace,
    argocdNamespace,
    nodeLocalDnsAddress: partial.nodeLocalDnsAddress,
    acmeHttp01: partial.acmeHttp01 ?? true,
    internalCidrs: [...(partial.internalCidrs ?? [])],
    kubernetesVersion: partial.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    envsRepo: partial.envsRepo,
    clusterServer: partial.clusterServer,
    domain: partial.domain,
    existingNamespaces: [...new Set(partial.existingNamespaces
      ?? [argocdNamespace, 'default', 'external-secrets', 'kube-public', 'kube-system', ingressControllerNamespace, monitoringNamespace])],
  };
}

/** The facts of `env` in `context`, or the defaults when the context does not know it. */
export function environmentFacts(context: Pick<PolicyContext, 'environments'>, env: string): EnvironmentFacts {
  return context.environments.get(env) ?? factsOf();
}

/** A platform rule. */
export interface PolicyRule {
  /** Stable id, used in reports and JSON. */
  readonly id: string;
  /** One line: why the rule exists. */
  readonly reason: string;
  /** Every violation in the output; `file` is the object's path. */
  check(context: PolicyContext): Array<Omit<Violation, 'rule'>>;
}

/** Top folder of a path: the environment. */
export function environmentOf(path: string): string {
  return environmentOfPath(path);
}

/** The pod spec inside a workload object, if it has one. */
export function podSpecOf(object: KubeObject): any | undefined {
  const spec = object.spec as any;
  switch (object.kind) {
    case 'Pod':
      return spec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': case 'Rollout':
      return spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Every container of a pod spec (init, regular and ephemeral). */
export function containersOf(pod: any): any[] {
  const list = (v: unknown): any[] => (Array.isArray(v) ? v.filter((c) => c && typeof c === 'object') : []);
  return [...list(pod?.initContainers), ...list(pod?.containers), ...list(pod?.ephemeralContainers)];
}
