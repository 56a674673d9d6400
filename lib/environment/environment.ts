import { Construct } from 'constructs';
import { AppOfApps, EnvsRepo } from '../argocd/app-of-apps';
import { ArgoProject } from '../argocd/argo-project';
import { ArgoCdSettings } from '../argocd/argocd-settings';
import { previewStatusAnnotations } from '../argocd/notifications';
import { DEFAULT_PREVIEW_LABELS, DEFAULT_PREVIEW_POLL_SECONDS } from '../layout/preview-names';
import { SyncMode } from '../argocd/sync-policy';
import { ENVIRONMENT_DEFAULTS as D } from '../config/environment-defaults';
import { unmetRequirements } from '../config/environment-requirements';
import { outputFolder } from '../layout/output-layout';
import { ComponentCatalog } from '../config/component-catalog';
import { Component, ComponentProps } from '../platform/component';
import { LeavingTenant } from '../tenant/leaving-tenant';
import { Tenant } from '../tenant/tenant';
import { PREVIEW_NAMESPACED_KINDS } from '../tenant/tenant-kinds';
import { TenantProps } from '../tenant/tenant-props';
import { Delivery } from '../workloads/delivery';
import { IngressOptions } from '../workloads/web-workload';
import { ClusterNetwork, EnvironmentSecrets, IEnvironment } from './environment-context';
import { ClusterRef, EnvironmentCanaryProps, EnvironmentMode, EnvironmentProps } from './environment-props';
import { addPlatformServices, platformServicesOf } from './platform-services';

export * from './environment-props';
export * from './environment-context';
export { AppOfApps, TenantApplications } from '../argocd/app-of-apps';
export type { AppOfAppsApplicationProps, AppOfAppsProjectProps, AppOfAppsProps, EnvsRepo, IAppOfApps } from '../argocd/app-of-apps';

/**
 * One environment (dev, staging, prod): its Argo CD app-of-apps ({@link AppOfApps}) and the
 * charts of everything deployed to it. Output goes to `<name>/` in dist:
 *
 * - `<name>/bootstrap/` and `<name>/apps/`: the app-of-apps.
 * - `<name>/platform/<component>/`, `<name>/tenants/<tenant>/`: one folder per Application.
 *
 * Components and tenants are added with {@link Environment.addComponent} and {@link Environment.addTenant} (or
 * `new Tenant(env, ...)`, which is the same); they see it through {@link IEnvironment}.
 */
export class Environment extends Construct implements IEnvironment {
  /** Whether `x` is an Environment (works across copies of this library). */
  public static isEnvironment(x: unknown): x is Environment {
    return typeof x === 'object' && x !== null && ENVIRONMENT in x;
  }

  /** Environment name. */
  public readonly envName: string;
  /** Full or read-only. */
  public readonly mode: EnvironmentMode;
  /** Automated for full environments, manual for read-only ones. */
  public readonly sync: SyncMode;
  /** Base domain. */
  public readonly domain: string;
  /** Destination cluster. */
  public readonly cluster: ClusterRef;
  /** Envs repo. */
  public readonly repo: EnvsRepo;
  /** Namespace of the platform components. */
  public readonly platformNamespace: string;
  /** Namespace of the AWX hook Jobs. */
  public readonly hooksNamespace: string;
  /** Prefix of every namespace it creates (`''`: none). */
  public readonly namespacePrefix: string;
  /** Color for reports. */
  public readonly color: string;
  /** The cluster's network. */
  public readonly network: ClusterNetwork;
  /** Where secrets come from. */
  public readonly secrets: EnvironmentSecrets;
  /** Prometheus URL, if the environment has one. */
  public readonly prometheusAddress?: string;
  /** The platform components it can run. */
  public readonly catalog: ComponentCatalog;
  /** The Argo CD app-of-apps. */
  public readonly argo: AppOfApps;
  /** Project of the platform components. */
  public readonly platformProject: ArgoProject;

  private readonly registry: string;
  private readonly versions: Readonly<Record<string, string>>;
  private readonly ingressClassName: string;
  private readonly clusterIssuer: string;
  private readonly canary?: EnvironmentCanaryProps;
  private readonly hosts = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    super(scope, id);
    Object.defineProperty(this, ENVIRONMENT, { value: true });
    this.envName = props.name;
    const unmet = unmetRequirements({
      canary: Boolean(props.canary), prometheus: Boolean(props.prometheusAddress), awxToken: Boolean(props.awxToken), secretStore: Boolean(props.secretStore),
    });
    if (unmet.length > 0) throw new Error(`environment "${this.envName}": ${unmet.map((r) => `${r.setting} needs ${r.needs}: ${r.why}`).join('; ')}`);
    this.mode = props.mode ?? EnvironmentMode.FULL;
    this.sync = this.mode === EnvironmentMode.FULL ? SyncMode.automated() : SyncMode.manual();
    this.domain = props.domain;
    this.cluster = props.cluster;
    this.repo = props.repo;
    this.registry = props.registry;
    this.versions = { ...props.versions };
    this.catalog = props.catalog ?? ComponentCatalog.stoa();
    this.namespacePrefix = props.namespacePrefix ?? '';
    this.platformNamespace = `${this.namespacePrefix}${props.platformNamespace ?? D.platformNamespace}`;
    this.hooksNamespace = `${this.namespacePrefix}${props.hooksNamespace ?? D.hooksNamespace}`;
    this.ingressClassName = props.ingress?.className ?? D.ingressClassName;
    this.clusterIssuer = props.ingress?.clusterIssuer ?? D.clusterIssuer;
    this.color = props.color ?? (this.mode === EnvironmentMode.FULL ? 'green' : 'red');
    this.prometheusAddress = props.prometheusAddress;
    this.canary = props.canary;
    this.network = {
      ingressControllerNamespace: props.ingress?.controllerNamespace ?? D.ingressControllerNamespace,
      ingressControllerService: props.ingress?.controllerService ?? D.ingressControllerService,
      monitoringNamespace: props.monitoring?.namespace ?? D.monitoringNamespace,
      podMonitorLabels: { ...(props.monitoring?.podMonitorLabels ?? D.monitorLabels) },
      internalCidrs: [...(props.internalCidrs ?? [])],
      nodeLocalDns: props.nodeLocalDns,
      acmeHttp01: (props.ingress?.acmeSolver ?? D.acmeSolver) === 'http01',
    };
    this.secrets = {
      storeName: props.secretStore?.name,
      tenantVault: props.secretStore?.backend.provider === 'vault' ? props.secretStore.backend : undefined,
      awxToken: props.awxToken,
    };

    this.argo = new AppOfApps(this, 'argo', {
      envName: this.envName,
      repo: this.repo,
      sync: this.sync,
      argocdNamespace: props.argocdNamespace,
      argocdServer: props.argocdServer,
      syncWindows: props.syncWindows,
      access: props.access,
      notifications: props.notifications,
      tenantReady: props.tenantReady,
      tenantApplications: props.tenantApplications,
      keepTenantApplications: props.keepTenantApplications,
      labels: this.labels(),
    });
    const services = platformServicesOf(props, { hooks: this.hooksNamespace, monitoring: this.network.monitoringNamespace });
    this.platformProject = this.argo.addProject('platform-project', {
      name: this.argo.argoName('platform'),
      description: `STOA platform components in ${this.envName}`,
      destinations: [this.platformNamespace, ...services.namespaces].map((namespace) => ({ server: this.cluster.server, namespace })),
      clusterResources: [
        ...[this.platformNamespace, ...services.namespaces].map((name) => ({ group: '', kind: 'Namespace', name })),
        ...services.clusterResources,
      ],
    });
    const github = props.previews?.pullRequests.github;
    if (props.previews) {
      this.argo.addPreviews({
        clusterServer: this.cluster.server,
        namespaceResources: PREVIEW_NAMESPACED_KINDS,
        pullRequests: props.previews.pullRequests,
        tokenSecret: props.previews.tokenSecret,
        labels: props.previews.labels ?? DEFAULT_PREVIEW_LABELS,
        pollSeconds: props.previews.pollSeconds ?? DEFAULT_PREVIEW_POLL_SECONDS,
        targetBranch: props.previews.targetBranch,
        // GitHub: each preview's result is a commit status of its pull request's head.
        sourceRepoUrl: github && `${github.api ? github.api.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '') : 'https://github.com'}/${github.owner}/${github.repo}`,
        annotations: github && previewStatusAnnotations(this.envName),
      });
    }
    for (const component of props.components ?? this.catalog.names) this.addComponent(component);
    addPlatformServices(this, props);
    new ArgoCdSettings(this, 'argocd-settings', {
      outputPath: this.outputPath('argocd-config'),
      argocdNamespace: this.argo.argocdNamespace,
      notifications: props.notifications,
      tenantReady: props.tenantReady,
      previewStatus: github && { argocdNamespace: this.argo.argocdNamespace, argocdUrl: props.previews?.argocdUrl },
      // The environment-wide roles, the same as every AppProject's of the environment: never the tenants' owners
      // (their AppProjects bind them), so this file is the same in every render unit of the environment.
      rbac: { access: props.access },
      // No environment label: one Argo CD gets every environment's patch, and they must be identical.
      labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests' },
    });
  }

  /** Deploys platform component `name` of the catalog (it needs a version), with its own Application. */
  public addComponent(name: string, options: Omit<ComponentProps, 'component'> = {}): Component {
    return new Component(this, `platform-${name}`, { ...options, component: name });
  }

  /** Places a tenant in this environment: `new Tenant(this, 'tenant-<name>', props)`. */
  public addTenant(props: TenantProps): Tenant {
    return new Tenant(this, `tenant-${props.name}`, props);
  }

  /** A tenant leaving this environment, which runs its deprovision hook: `new LeavingTenant(this, 'tenant-<name>', props)`. */
  public addLeavingTenant(props: TenantProps): LeavingTenant {
    return new LeavingTenant(this, `tenant-${props.name}`, props);
  }

  public deliveryFor(tenantWantsCanary: boolean | undefined): Delivery {
    if (!this.canary || !(tenantWantsCanary ?? this.canary.enabled ?? false)) return Delivery.rolling();
    return Delivery.canary({
      steps: this.canary.steps,
      pause: this.canary.pause,
      analysis: { prometheusAddress: this.prometheusAddress!, successRate: this.canary.successRate },
    });
  }

  public outputPath(...segments: string[]): string {
    return outputFolder(this.envName, ...segments);
  }

  /** Image of a platform component: `<repository>:<tag>` or `<repository>@sha256:...`, the repository by default `<registry>/<component>`. */
  public imageOf(component: string): string {
    const repository = this.catalog.spec(component).image ?? `${this.registry}/${component}`;
    const version = this.versionOf(component);
    return version.startsWith('sha256:') ? `${repository}@${version}` : `${repository}:${version}`;
  }

  public versionOf(component: string): string {
    const version = this.versions[component];
    if (version === undefined) throw new Error(`environment "${this.envName}": no version for component "${component}"`);
    return version;
  }

  public ingressFor(prefix: string, owner: string = prefix): IngressOptions {
    const host = `${prefix}.${this.domain}`;
    const holder = this.hosts.get(host);
    if (holder !== undefined) throw new Error(`environment "${this.envName}": host ${host} of ${owner} is already served by ${holder}`);
    this.hosts.set(host, owner);
    return { host, className: this.ingressClassName, clusterIssuer: this.clusterIssuer };
  }

  public labels(extra: Record<string, string> = {}): Record<string, string> {
    return { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': this.envName, ...extra };
  }
}

const ENVIRONMENT = Symbol.for('stoa-manifests.Environment');
