import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ArgoApplication } from '../argocd/argo-application';
import { ArgoProject } from '../argocd/argo-project';
import { setSyncWave, SYNC_WAVES } from '../argocd/sync-wave';
import { RETAINED, SYNC_OPTIONS_ANNOTATION } from '../argocd/sync-policy';
import { TENANT_LABEL } from '../config/names';
import { isTenantPath, tenantPathPrefix } from '../config/tenant-config';
import { TIERS, tierQuota } from '../config/tiers';
import { IEnvironment, tenantNamespaceOf } from '../environment/environment-context';
import { tenantArgoBase } from '../layout/output-layout';
import { EnvironmentMode } from '../environment/environment-props';
import { Gateway } from '../gateway/gateway';
import { GatewaySmokeTest } from '../gateway/smoke-test';
import { addAllowDns, addDefaultDeny } from '../network/policies';
import { GATEWAY_COMPONENT } from '../config/component-catalog';
import { ManifestChart } from '../render/manifest-chart';
import { ExternalSecretRef } from '../secrets/external-secret';
import { NamespaceSecretStore } from '../secrets/namespace-secret-store';
import { restrictedNamespaceLabels } from '../workloads/security';
import { Scaling } from '../workloads/scaling';
import { AWX_TOKEN_SECRET, AwxHookJob, HookPhase } from './awx-hook';
import { TenantOwnerRole } from './owner-role';
import { projectRefusals, TENANT_NAMESPACED_KINDS } from './tenant-kinds';
import { TenantProps } from './tenant-props';

export * from './tenant-props';
export { TENANT_NAMESPACED_KINDS } from './tenant-kinds';

/**
 * A tenant in one environment: its namespace with quota, limits, an owners'
 * Role and a default-deny network policy, its secrets (as ExternalSecrets
 * through its own SecretStore and Vault role), its API gateway, optional AWX
 * sync hooks (run in the platform's hooks namespace), and its own Argo CD
 * AppProject and Application. Objects go to `<env>/tenants/<name>/`; the
 * project and Application go to the environment's app-of-apps.
 *
 * Sync order (see SYNC_WAVES): namespace, quota, policies, RBAC and service
 * account first; then the SecretStore; then the ExternalSecrets (Argo CD waits
 * while they are Progressing, so the Secrets exist; an error fails the sync); then the gateway. The Namespace
 * is a manifest of the Application, so deleting the Application deletes it;
 * no PreSync object is in it (the hook Jobs run in the hooks namespace, which
 * an earlier Application creates), so nothing waits for it before Sync. The one
 * hook of the tenant namespace is the gateway's smoke test, PostSync: it runs
 * once every object of the sync is healthy, and fails the sync when the gateway
 * does not answer (docs/smoke-tests.md).
 */
export class Tenant extends ManifestChart {
  /** Tenant name. */
  public readonly tenantName: string;
  /** The tenant's namespace: `tenant-<name>`. */
  public readonly namespaceName: string;
  /** The tenant's gateway. */
  public readonly gateway: Gateway;
  /** The gateway's smoke test: a PostSync hook Job in the tenant namespace that fails the sync when the gateway does not answer. */
  public readonly smokeTest: GatewaySmokeTest;
  /** The tenant's AppProject. */
  public readonly project: ArgoProject;
  /** The Application that deploys this chart (a prototype of the ApplicationSet in ApplicationSet mode). */
  public readonly application: ArgoApplication;

  constructor(env: IEnvironment, id: string, props: TenantProps) {
    const namespace = tenantNamespaceOf(env, props.name);
    const tenantLabels = env.labels({ [TENANT_LABEL]: props.name, 'stoa.io/tier': props.tier });
    // No chart-level namespace: cdk8s would stamp it on the cluster-scoped Namespace too.
    super(env, id, { outputPath: env.outputPath('tenants', props.name), labels: tenantLabels });
    this.tenantName = props.name;
    this.namespaceName = namespace;
    const where = `tenant "${props.name}" in ${env.envName}`;
    const owners = [...(props.owners.users ?? []).map((name) => ({ kind: 'User' as const, name })),
      ...(props.owners.groups ?? []).map((name) => ({ kind: 'Group' as const, name }))];
    if (owners.length === 0) throw new Error(`${where}: owners must list at least one user or group`);
    // Hook Jobs rendered here; hooks.postDelete is rendered only where the tenant is leaving (LeavingTenant).
    const hasHooks = Boolean(props.hooks?.preSync || props.hooks?.postSync);
    if (props.secrets?.length && !env.secrets.tenantVault) {
      throw new Error(`${where}: secrets are read through a SecretStore of the tenant's own with a Vault role; environment ${env.envName} has no Vault secret store`);
    }
    for (const s of props.secrets ?? []) {
      if (!isTenantPath(s.key, props.name)) {
        throw new Error(`${where}: secret "${s.name}" reads "${s.key}"; a tenant reads only keys under ${tenantPathPrefix(props.name)}`);
      }
    }
    if ((hasHooks || props.hooks?.postDelete) && !(env.secrets.storeName && env.secrets.awxToken)) {
      throw new Error(`${where}: hooks need the environment's secretStore and awxToken (where the AWX token is in the store)`);
    }
    const tier = TIERS[props.tier];
    const replicas = tier.gatewayReplicas;
    if ('fixed' in replicas && props.autoscaler) {
      throw new Error(`${where}: tier ${props.tier} runs a fixed ${replicas.fixed} replica(s); autoscaler "${props.autoscaler}" needs an autoscaled tier`);
    }

    const foundation = new Construct(this, 'foundation');
    this.addFoundation(foundation, env, props, namespace, owners);
    setSyncWave(foundation, SYNC_WAVES.foundation);

    const secretNames = (props.secrets ?? []).map((s) => s.name);
    if (props.secrets?.length) {
      const store = new NamespaceSecretStore(this, 'secret-store', { namespace, vault: env.secrets.tenantVault!, role: `tenant-${props.name}`, name: 'tenant-secrets' });
      const secrets = new Construct(this, 'secrets');
      for (const s of props.secrets) {
        new ExternalSecretRef(secrets, s.name, {
          name: s.name, namespace, store: { kind: 'SecretStore', name: store.storeName }, remoteKey: s.key, property: s.property,
        });
      }
      setSyncWave(secrets, SYNC_WAVES.secrets);
    }

    this.gateway = new Gateway(this, 'gateway', {
      tenant: props.name,
      namespace,
      image: env.imageOf(GATEWAY_COMPONENT),
      resources: tier.gatewayResources,
      scaling: this.scalingOf(env, props, namespace),
      delivery: env.deliveryFor(props.canary),
      ingress: env.ingressFor(props.name, `tenant ${props.name}`),
      ingressControllerNamespace: env.network.ingressControllerNamespace,
      controlPlaneNamespace: env.platformNamespace,
      internalCidrs: env.network.internalCidrs,
      monitoringNamespace: env.network.monitoringNamespace,
      podMonitorLabels: env.network.podMonitorLabels,
      acmeHttp01: env.network.acmeHttp01,
      nodeLocalDns: env.network.nodeLocalDns,
      secretMounts: secretNames,
    });

    // After every sync whose objects are healthy: the gateway answers through its Service and its host.
    this.smokeTest = new GatewaySmokeTest(this, 'smoke-test', {
      gateway: this.gateway,
      namespace,
      ingressControllerNamespace: env.network.ingressControllerNamespace,
      ingressControllerService: env.network.ingressControllerService,
    });

    if (hasHooks) this.addHooks(env, props);

    const argoLabels = { [TENANT_LABEL]: props.name };
    this.project = addTenantProject(env, props, hasHooks);
    // At synth, after an importing team had its say: every object must be allowed by the project.
    this.node.addValidation({ validate: () => projectRefusals(this, this.project, env.cluster.server) });
    this.application = env.argo.addTenantApplication(props.name, {
      name: env.argo.argoName(tenantArgoBase(props.name)),
      project: this.project.projectName,
      source: env.argo.sourceFor(this),
      destinationServer: env.cluster.server,
      destinationNamespace: namespace,
      sync: env.sync,
      manifests: this,
      // The Namespace is a manifest here (with its Pod Security labels), pruned with the Application.
      createNamespace: false,
      // Read-only environments: a tenant leaves only when a person deletes its Application.
      manualRemoval: env.mode === EnvironmentMode.READ_ONLY,
      labels: argoLabels,
    });
  }

  private scalingOf(env: IEnvironment, props: TenantProps, namespace: string): Scaling {
    const replicas = TIERS[props.tier].gatewayReplicas;
    if ('fixed' in replicas) return Scaling.fixed(replicas.fixed);
    if (props.autoscaler !== 'keda') return Scaling.autoscaled(replicas);
    return Scaling.keda({
      ...replicas,
      // The gateway's own series, scraped by its PodMonitor (container label = container name).
      prometheus: env.prometheusAddress ? {
        serverAddress: env.prometheusAddress,
        query: `sum(rate(http_requests_total{namespace="${namespace}",container="gateway"}[2m]))`,
        threshold: 100,
      } : undefined,
    });
  }

  private addFoundation(scope: Construct, env: IEnvironment, props: TenantProps, namespace: string, owners: Array<{ kind: 'User' | 'Group'; name: string }>): void {
    const tier = TIERS[props.tier];
    new k8s.KubeNamespace(scope, 'namespace', {
      metadata: {
        name: namespace,
        annotations: {
          'stoa.io/display-name': props.displayName ?? props.name,
          // Read-only environments keep the namespace (and what no manifest made in it) when the tenant
          // leaves: a person deletes it, after checking (`tenant remove` says how).
          ...(env.mode === EnvironmentMode.READ_ONLY ? { [SYNC_OPTIONS_ANNOTATION]: RETAINED } : {}),
        },
        // Admission enforces what the gateway already does: non-root, no privilege escalation.
        labels: restrictedNamespaceLabels(),
      },
    });
    const q = k8s.Quantity.fromString;
    const quota = tierQuota(props.tier);
    new k8s.KubeResourceQuota(scope, 'quota', {
      metadata: { name: 'tenant-quota', namespace },
      spec: {
        hard: {
          'requests.cpu': q(quota.requests.cpu),
          'requests.memory': q(quota.requests.memory),
          'limits.cpu': q(quota.limits.cpu),
          'limits.memory': q(quota.limits.memory),
          'pods': q(String(quota.pods)),
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
    // Git is the way to change a tenant; owners operate directly only where the environment allows it.
    new TenantOwnerRole(scope, 'owners', { namespace, subjects: owners, operate: env.mode === EnvironmentMode.FULL });
    addDefaultDeny(scope, namespace);
    addAllowDns(scope, namespace, env.network.nodeLocalDns);
  }

  /**
   * AWX hooks: Jobs in the platform's hooks namespace, where the AWX token is
   * and tenant owners have no access. That namespace and its token come from
   * the environment's hooks Application, an earlier wave of the app-of-apps,
   * so they exist before the very first PreSync of any tenant.
   */
  private addHooks(env: IEnvironment, props: TenantProps): void {
    const hooks = new Construct(this, 'hooks');
    const common = hookJobProps(env, props);
    if (props.hooks?.preSync) {
      new AwxHookJob(hooks, 'provision', { ...common, name: `${props.name}-provision`, role: 'provision', phase: HookPhase.PRE_SYNC, jobTemplateUrl: props.hooks.preSync });
    }
    if (props.hooks?.postSync) {
      new AwxHookJob(hooks, 'validate', { ...common, name: `${props.name}-validate`, role: 'validate', phase: HookPhase.POST_SYNC, jobTemplateUrl: props.hooks.postSync });
    }
    // hooks.postDelete runs only where the tenant is leaving (LeavingTenant): a PostDelete hook here
    // would run on any deletion of the Application (a deleted ApplicationSet, a delete and recreate).
  }
}

/** A tenant's AppProject: only its namespace (and the hooks namespace when it has hooks), only the envs repo. */
export function addTenantProject(env: IEnvironment, props: TenantProps, hasHooks: boolean): ArgoProject {
  const namespace = tenantNamespaceOf(env, props.name);
  return env.argo.addProject(`tenant-${props.name}-project`, {
    name: env.argo.argoName(tenantArgoBase(props.name)),
    description: `Tenant ${props.displayName ?? props.name} in ${env.envName}: only its namespace, only the envs repo`,
    destinations: [
      { server: env.cluster.server, namespace },
      ...(hasHooks ? [{ server: env.cluster.server, namespace: env.hooksNamespace }] : []),
    ],
    clusterResources: [{ group: '', kind: 'Namespace', name: namespace }],
    // Every kind a tenant may ever render, and nothing else (see projectRefusals, checked at synth).
    namespaceResources: TENANT_NAMESPACED_KINDS,
    // Owners see their Applications and logs; where the environment lets them operate (full), they also sync.
    owners: {
      subjects: [...(props.owners.groups ?? []), ...(props.owners.users ?? [])],
      operate: env.mode === EnvironmentMode.FULL,
    },
    labels: { [TENANT_LABEL]: props.name },
  });
}

/** What every AWX hook Job of a tenant shares: the hooks namespace, the AWX token, the tenant's variables and label. */
function hookJobProps(env: IEnvironment, props: TenantProps, extraLabels: Record<string, string> = {}) {
  return {
    namespace: env.hooksNamespace,
    tokenSecret: AWX_TOKEN_SECRET,
    extraVars: { tenant: props.name, environment: env.envName, namespace: tenantNamespaceOf(env, props.name) },
    labels: { [TENANT_LABEL]: props.name, ...extraLabels },
  };
}

/**
 * The hook Job that launches a tenant's deprovision job template (hooks.postDelete), in the hooks
 * namespace: PostSync of the Application of a tenant that is leaving, after the sync pruned its objects.
 */
export function addDeprovisionHook(scope: Construct, env: IEnvironment, props: TenantProps, extraLabels: Record<string, string> = {}): AwxHookJob {
  // In the hooks namespace: the tenant's own is gone (or kept empty) when it runs.
  return new AwxHookJob(scope, 'deprovision', {
    ...hookJobProps(env, props, extraLabels),
    name: `${props.name}-deprovision`,
    role: 'deprovision',
    phase: HookPhase.POST_SYNC,
    jobTemplateUrl: props.hooks!.postDelete!,
  });
}
