import { k8s } from 'cdk8s-plus-28';
import { ArgoApplication } from '../argocd/argo-application';
import { ArgoProject } from '../argocd/argo-project';
import { TIERS, TierName } from '../config/tiers';
import { Environment, EnvironmentMode } from '../environment/environment';
import { Gateway } from '../gateway/gateway';
import { ManifestChart } from '../render/manifest-chart';
import { Scaling } from '../workloads/scaling';

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

/** Props of {@link Tenant}. */
export interface TenantProps {
  /** Tenant name (a DNS label of at most 40 characters); the namespace is `tenant-<name>`. */
  readonly name: string;
  /** Size class: quota, limits, gateway replicas and autoscaling. */
  readonly tier: TierName;
  /** Who may access the namespace: `edit` in full environments, `view` in read-only ones. */
  readonly owners: TenantOwners;
  /**
   * Human name, recorded as an annotation on the namespace.
   * @default - the tenant name
   */
  readonly displayName?: string;
}

/**
 * A tenant in one environment: its namespace with quota, limits, owner access
 * and a default-deny network policy, its API gateway, and its own Argo CD
 * AppProject and Application. Objects go to `<env>/tenants/<name>/`; the
 * project and Application go to the environment's app-of-apps.
 */
export class Tenant extends ManifestChart {
  /** Tenant name. */
  public readonly tenantName: string;
  /** The tenant's namespace: `tenant-<name>`. */
  public readonly namespaceName: string;
  /** The tenant's gateway. */
  public readonly gateway: Gateway;
  /** The tenant's AppProject. */
  public readonly project: ArgoProject;
  /** The Application that deploys this chart. */
  public readonly application: ArgoApplication;

  constructor(env: Environment, id: string, props: TenantProps) {
    const namespace = `tenant-${props.name}`;
    const tenantLabels = env.labels({ 'stoa.io/tenant': props.name, 'stoa.io/tier': props.tier });
    // No chart-level namespace: cdk8s would stamp it on the cluster-scoped Namespace too.
    super(env, id, { outputPath: env.outputPath('tenants', props.name), labels: tenantLabels });
    this.tenantName = props.name;
    this.namespaceName = namespace;
    const owners = [...(props.owners.users ?? []).map((name) => ({ kind: 'User', name })),
      ...(props.owners.groups ?? []).map((name) => ({ kind: 'Group', name }))];
    if (owners.length === 0) {
      throw new Error(`tenant "${props.name}": owners must list at least one user or group`);
    }
    const tier = TIERS[props.tier];

    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: namespace,
        annotations: { 'stoa.io/display-name': props.displayName ?? props.name },
        // Admission enforces what the gateway already does: non-root, no privilege escalation.
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    });
    const q = k8s.Quantity.fromString;
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'tenant-quota', namespace },
      spec: {
        hard: {
          'requests.cpu': q(tier.quota.requests.cpu),
          'requests.memory': q(tier.quota.requests.memory),
          'limits.cpu': q(tier.quota.limits.cpu),
          'limits.memory': q(tier.quota.limits.memory),
          'pods': q(String(tier.quota.pods)),
        },
      },
    });
    new k8s.KubeLimitRange(this, 'limits', {
      metadata: { name: 'tenant-limits', namespace },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: q(tier.containerDefaults.requests.cpu), memory: q(tier.containerDefaults.requests.memory) },
          default: { cpu: q(tier.containerDefaults.limits.cpu), memory: q(tier.containerDefaults.limits.memory) },
        }],
      },
    });
    // Git is the way to change a tenant; owners edit directly only where the environment allows it.
    new k8s.KubeRoleBinding(this, 'owners', {
      metadata: { name: 'tenant-owners', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: env.mode === EnvironmentMode.FULL ? 'edit' : 'view' },
      subjects: owners.map((s) => ({ ...s, apiGroup: 'rbac.authorization.k8s.io' })),
    });

    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(this, 'allow-dns', {
      metadata: { name: 'allow-dns', namespace },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          }],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        }],
      },
    });

    const replicas = tier.gatewayReplicas;
    this.gateway = new Gateway(this, 'gateway', {
      tenant: props.name,
      namespace,
      image: env.imageOf('stoa-gateway'),
      resources: tier.gatewayResources,
      scaling: 'fixed' in replicas ? Scaling.fixed(replicas.fixed) : Scaling.autoscaled(replicas),
      ingress: env.ingressFor(props.name),
      ingressControllerNamespace: env.ingressControllerNamespace,
      controlPlaneNamespace: env.platformNamespace,
    });

    const argoLabels = { 'stoa.io/tenant': props.name };
    this.project = new ArgoProject(env.apps, `tenant-${props.name}-project`, {
      name: env.argoName(namespace),
      argocdNamespace: env.argocdNamespace,
      description: `Tenant ${props.displayName ?? props.name} in ${env.envName}: only its namespace, only the envs repo`,
      sourceRepos: [env.repo.url],
      destinations: [{ server: env.cluster.server, namespace }],
      clusterResources: [{ group: '', kind: 'Namespace', name: namespace }],
      labels: argoLabels,
    });
    this.application = new ArgoApplication(env.apps, `tenant-${props.name}-application`, {
      name: env.argoName(namespace),
      argocdNamespace: env.argocdNamespace,
      project: this.project.projectName,
      source: env.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: namespace,
      sync: env.sync,
      manifests: this,
      labels: argoLabels,
    });
  }
}
