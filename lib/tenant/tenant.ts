import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ArgoApplication } from '../argocd/argo-application';
import { ArgoProject } from '../argocd/argo-project';
import { setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { TIERS, TierName } from '../config/tiers';
import { Environment, EnvironmentMode } from '../environment/environment';
import { Gateway } from '../gateway/gateway';
import { ManifestChart } from '../render/manifest-chart';
import { ExternalSecretRef } from '../secrets/external-secret';
import { Scaling } from '../workloads/scaling';
import { AwxHookJob, HookPhase } from './awx-hook';

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
  /** Key (path) in the store. */
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

/**
 * A tenant in one environment: its namespace with quota, limits, owner access
 * and a default-deny network policy, its secrets (as ExternalSecrets), its API
 * gateway, optional AWX sync hooks, and its own Argo CD AppProject and
 * Application. Objects go to `<env>/tenants/<name>/`; the project and
 * Application go to the environment's app-of-apps. Sync waves: namespace and
 * policy first, then secrets, then workloads.
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
  /** The Application that deploys this chart (a prototype of the ApplicationSet in ApplicationSet mode). */
  public readonly application: ArgoApplication;

  constructor(env: Environment, id: string, props: TenantProps) {
    const namespace = `tenant-${props.name}`;
    const tenantLabels = env.labels({ 'stoa.io/tenant': props.name, 'stoa.io/tier': props.tier });
    // No chart-level namespace: cdk8s would stamp it on the cluster-scoped Namespace too.
    super(env, id, { outputPath: env.outputPath('tenants', props.name), labels: tenantLabels });
    this.tenantName = props.name;
    this.namespaceName = namespace;
    const where = `tenant "${props.name}" in ${env.envName}`;
    const owners = [...(props.owners.users ?? []).map((name) => ({ kind: 'User', name })),
      ...(props.owners.groups ?? []).map((name) => ({ kind: 'Group', name }))];
    if (owners.length === 0) throw new Error(`${where}: owners must list at least one user or group`);
    if ((props.secrets?.length || props.hooks) && !env.secretStoreName) {
      throw new Error(`${where}: secrets and hooks are read through a secret store; environment ${env.envName} has none`);
    }
    if ((props.hooks?.preSync || props.hooks?.postSync) && !env.awxToken) {
      throw new Error(`${where}: hooks need the environment's awxToken (where the AWX token is in the secret store)`);
    }
    const tier = TIERS[props.tier];
    const replicas = tier.gatewayReplicas;
    if ('fixed' in replicas && props.autoscaler) {
      throw new Error(`${where}: tier ${props.tier} runs a fixed ${replicas.fixed} replica(s); autoscaler "${props.autoscaler}" needs an autoscaled tier`);
    }

    const foundation = new Construct(this, 'foundation');
    this.addFoundation(foundation, env, props, namespace, owners);
    setSyncWave(foundation, SYNC_WAVES.foundation);

    const secrets = new Construct(this, 'secrets');
    const store = { kind: 'ClusterSecretStore' as const, name: env.secretStoreName ?? '' };
    for (const s of props.secrets ?? []) {
      new ExternalSecretRef(secrets, s.name, { name: s.name, namespace, store, remoteKey: s.key, property: s.property });
    }
    setSyncWave(secrets, SYNC_WAVES.secrets);

    this.gateway = new Gateway(this, 'gateway', {
      tenant: props.name,
      namespace,
      image: env.imageOf('stoa-gateway'),
      resources: tier.gatewayResources,
      scaling: this.scalingOf(env, props, namespace),
      delivery: env.deliveryFor(props.canary),
      ingress: env.ingressFor(props.name),
      ingressControllerNamespace: env.ingressControllerNamespace,
      controlPlaneNamespace: env.platformNamespace,
      internalCidrs: env.internalCidrs,
    });

    if (props.hooks?.preSync || props.hooks?.postSync) this.addHooks(env, props, namespace, store);

    const argoLabels = { 'stoa.io/tenant': props.name };
    this.project = env.addProject(env.apps, `tenant-${props.name}-project`, {
      name: env.argoName(namespace),
      description: `Tenant ${props.displayName ?? props.name} in ${env.envName}: only its namespace, only the envs repo`,
      destinations: [{ server: env.cluster.server, namespace }],
      clusterResources: [{ group: '', kind: 'Namespace', name: namespace }],
      labels: argoLabels,
    });
    this.application = env.addTenantApplication(props.name, {
      name: env.argoName(namespace),
      project: this.project.projectName,
      source: env.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: namespace,
      sync: env.sync,
      manifests: this,
      labels: argoLabels,
    });
  }

  private scalingOf(env: Environment, props: TenantProps, namespace: string): Scaling {
    const replicas = TIERS[props.tier].gatewayReplicas;
    if ('fixed' in replicas) return Scaling.fixed(replicas.fixed);
    if (props.autoscaler !== 'keda') return Scaling.autoscaled(replicas);
    return Scaling.keda({
      ...replicas,
      prometheus: env.prometheusAddress ? {
        serverAddress: env.prometheusAddress,
        query: `sum(rate(http_requests_total{namespace="${namespace}",service="gateway"}[2m]))`,
        threshold: 100,
      } : undefined,
    });
  }

  private addFoundation(scope: Construct, env: Environment, props: TenantProps, namespace: string, owners: Array<{ kind: string; name: string }>): void {
    const tier = TIERS[props.tier];
    new k8s.KubeNamespace(scope, 'namespace', {
      metadata: {
        name: namespace,
        annotations: { 'stoa.io/display-name': props.displayName ?? props.name },
        // Admission enforces what the gateway already does: non-root, no privilege escalation.
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    });
    const q = k8s.Quantity.fromString;
    new k8s.KubeResourceQuota(scope, 'quota', {
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
    new k8s.KubeLimitRange(scope, 'limits', {
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
    new k8s.KubeRoleBinding(scope, 'owners', {
      metadata: { name: 'tenant-owners', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: env.mode === EnvironmentMode.FULL ? 'edit' : 'view' },
      subjects: owners.map((s) => ({ ...s, apiGroup: 'rbac.authorization.k8s.io' })),
    });
    new k8s.KubeNetworkPolicy(scope, 'default-deny', {
      metadata: { name: 'default-deny', namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new k8s.KubeNetworkPolicy(scope, 'allow-dns', {
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
  }

  /**
   * AWX hooks: the token's ExternalSecret is itself a PreSync hook one wave
   * earlier, so it exists before the provisioning Job on the very first sync.
   */
  private addHooks(env: Environment, props: TenantProps, namespace: string, store: { kind: 'ClusterSecretStore'; name: string }): void {
    const hooks = new Construct(this, 'hooks');
    const token = new ExternalSecretRef(hooks, 'awx-token', {
      name: 'awx-token', namespace, store, remoteKey: env.awxToken!.key, property: env.awxToken!.property, secretKey: 'token',
      annotations: {
        'argocd.argoproj.io/hook': HookPhase.PRE_SYNC,
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        'argocd.argoproj.io/sync-wave': String(SYNC_WAVES.secrets),
      },
    });
    const extraVars = { tenant: props.name, environment: env.envName, namespace };
    const tokenSecret = { name: token.secretName, key: token.secretKey };
    if (props.hooks?.preSync) {
      new AwxHookJob(hooks, 'provision', { name: 'provision', namespace, phase: HookPhase.PRE_SYNC, jobTemplateUrl: props.hooks.preSync, tokenSecret, extraVars });
    }
    if (props.hooks?.postSync) {
      new AwxHookJob(hooks, 'validate', { name: 'validate', namespace, phase: HookPhase.POST_SYNC, jobTemplateUrl: props.hooks.postSync, tokenSecret, extraVars });
    }
    // Hook pods reach AWX over HTTPS; everything else stays denied.
    new k8s.KubeNetworkPolicy(hooks, 'allow-egress', {
      metadata: { name: 'hooks-allow-egress', namespace },
      spec: {
        podSelector: { matchExpressions: [{ key: 'stoa.io/hook', operator: 'Exists' }] },
        policyTypes: ['Egress'],
        egress: [{
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: env.internalCidrs.length ? [...env.internalCidrs] : undefined } }],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(443) }],
        }],
      },
    });
  }
}
