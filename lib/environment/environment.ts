import { argoName, outputFolder } from '../layout/output-layout';
import { Construct } from 'constructs';
import { ArgoApplication, ArgoApplicationProps } from '../argocd/argo-application';
import { ArgoProject, ArgoProjectProps, ProjectAccess, SyncWindow } from '../argocd/argo-project';
import { NotificationTarget, notificationAnnotations } from '../argocd/notifications';
import { SyncMode } from '../argocd/sync-policy';
import { TenantApplicationSet } from '../argocd/tenant-application-set';
import { COMPONENT_NAMES, ComponentName } from '../config/environment-config';
import { Component } from '../platform/component';
import { ManifestChart } from '../render/manifest-chart';
import { PrototypeChart } from '../render/prototype-chart';
import { ArgoCdSettings } from '../argocd/argocd-settings';
import { APP_SYNC_WAVES, setSyncWave } from '../argocd/sync-wave';
import { HooksNamespace } from '../platform/hooks-namespace';
import { ClusterSecretStore, InfisicalBackend, VaultBackend } from '../secrets/secret-store';
import { Delivery } from '../workloads/delivery';
import { IngressOptions } from '../workloads/web-workload';

/** How changes reach an environment. */
export enum EnvironmentMode {
  /** Any change may be made directly; Argo CD syncs automatically with prune and self-heal. */
  FULL = 'full',
  /** Changes arrive only by promotion; every sync is started by a person. */
  READ_ONLY = 'read-only',
}

/** The Kubernetes cluster an environment deploys to. */
export interface ClusterRef {
  /** Cluster name as registered in Argo CD. */
  readonly name: string;
  /** API server URL: the Argo CD destination. */
  readonly server: string;
}

/** The git repository Argo CD pulls rendered manifests from. */
export interface EnvsRepo {
  /** Repository URL. */
  readonly url: string;
  /** Branch, tag or commit Argo CD follows. */
  readonly revision: string;
}

/** Ingress settings of an environment. */
export interface EnvironmentIngressProps {
  /**
   * IngressClass of every Ingress.
   * @default 'nginx'
   */
  readonly className?: string;
  /**
   * cert-manager ClusterIssuer for TLS certificates.
   * @default 'letsencrypt'
   */
  readonly clusterIssuer?: string;
  /**
   * Namespace of the ingress controller (allowed through tenant network policies).
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
  /**
   * How cert-manager solves the issuer's ACME challenge. With HTTP-01, solver pods run in
   * each namespace that has an Ingress, and tenant network policies let the ingress controller reach them.
   * @default 'http01'
   */
  readonly acmeSolver?: 'http01' | 'dns01';
}

/** The cluster's Prometheus Operator. */
export interface EnvironmentMonitoringProps {
  /**
   * Namespace Prometheus runs in; the only source allowed to scrape metrics ports.
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * Labels every PodMonitor carries, so the Prometheus's `podMonitorSelector` picks it.
   * @default - none (a Prometheus that selects every PodMonitor)
   */
  readonly podMonitorLabels?: Record<string, string>;
}

/** How tenants get their Argo CD Applications. */
export enum TenantApplications {
  /** One Application per tenant, written into the app-of-apps. */
  APPLICATIONS = 'applications',
  /** One ApplicationSet whose git directory generator makes an Application per tenant folder. */
  APPLICATION_SET = 'applicationset',
}

/** Canary delivery offered by an environment (its analysis queries the environment's Prometheus). */
export interface EnvironmentCanaryProps {
  /**
   * Whether tenants use it unless they say otherwise.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Share of non-5xx responses a canary must keep.
   * @default 0.99
   */
  readonly successRate?: number;
  /**
   * Pause between steps.
   * @default '5m'
   */
  readonly pause?: string;
  /**
   * Traffic steps in percent.
   * @default [20, 50, 100]
   */
  readonly steps?: readonly number[];
}

/** The environment's external secret store. */
export interface EnvironmentSecretStoreProps {
  /** Name of the ClusterSecretStore. */
  readonly name: string;
  /** Vault or Infisical behind it. */
  readonly backend: VaultBackend | InfisicalBackend;
}

/** Where the AWX token of the tenants' sync hooks is. */
export interface AwxTokenProps {
  /** Key (path) in the secret store, e.g. `platform/awx`. */
  readonly key: string;
  /**
   * Property of that key.
   * @default - the whole value
   */
  readonly property?: string;
  /**
   * With a Vault store: the Vault role the hooks namespace logs in with (bound to its
   * `hooks-secrets` ServiceAccount, allowed to read this key only).
   * @default 'stoa-hooks'
   */
  readonly vaultRole?: string;
}

/** Props of {@link Environment}. */
export interface EnvironmentProps {
  /** Environment name, e.g. `dev`; the top folder of its output and the prefix of its Argo CD names. */
  readonly name: string;
  /**
   * Full (direct changes, automated sync) or read-only (promotion only, manual sync).
   * @default EnvironmentMode.FULL
   */
  readonly mode?: EnvironmentMode;
  /** Base domain; a tenant is served on `<tenant>.<domain>`, components on `<host>.<domain>`. */
  readonly domain: string;
  /** Cluster the environment deploys to. */
  readonly cluster: ClusterRef;
  /** Envs repo that Argo CD pulls. */
  readonly repo: EnvsRepo;
  /** Registry and repository prefix of the platform images, e.g. `ghcr.io/stoa-platform`. */
  readonly registry: string;
  /** Pinned version (tag or `sha256:` digest) of every platform component. */
  readonly versions: Readonly<Record<ComponentName, string>>;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * API server of the cluster Argo CD runs in (where Applications are created).
   * @default 'https://kubernetes.default.svc'
   */
  readonly argocdServer?: string;
  /**
   * Namespace of the platform components.
   * @default 'stoa-system'
   */
  readonly platformNamespace?: string;
  /**
   * Ingress settings.
   * @default - nginx, letsencrypt, ingress-nginx
   */
  readonly ingress?: EnvironmentIngressProps;
  /**
   * Color used for the environment in reports.
   * @default - green for full, red for read-only
   */
  readonly color?: string;
  /**
   * Prometheus URL, for canary analysis and KEDA triggers.
   * @default - none: no canary, KEDA on CPU only
   */
  readonly prometheusAddress?: string;
  /**
   * Canary delivery for tenant gateways; needs `prometheusAddress`.
   * @default - not offered: rolling updates only
   */
  readonly canary?: EnvironmentCanaryProps;
  /**
   * The ClusterSecretStore that tenants' ExternalSecrets read from.
   * @default - none: tenants cannot declare secrets
   */
  readonly secretStore?: EnvironmentSecretStoreProps;
  /**
   * Where the AWX token of tenant sync hooks is in the secret store.
   * @default - none: tenants cannot declare hooks
   */
  readonly awxToken?: AwxTokenProps;
  /**
   * Allow syncs only inside these windows, in every project of the environment.
   * @default - syncs at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
  /**
   * Project roles of every project: read-only viewers and a release group.
   * @default - no project roles
   */
  readonly access?: ProjectAccess;
  /**
   * Subscribe every Application to sync-failed, health-degraded and out-of-sync notifications.
   * @default - no notifications
   */
  readonly notifications?: NotificationTarget;
  /**
   * One Application per tenant, or one ApplicationSet over the tenant folders.
   * @default TenantApplications.APPLICATIONS
   */
  readonly tenantApplications?: TenantApplications;
  /**
   * The cluster's pod and service CIDRs: excluded from tenants' HTTPS egress to the internet.
   * @default - none: HTTPS egress may reach any address
   */
  readonly internalCidrs?: readonly string[];
  /**
   * The cluster's Prometheus Operator (PodMonitors, who may scrape).
   * @default - namespace monitoring, no PodMonitor labels
   */
  readonly monitoring?: EnvironmentMonitoringProps;
  /**
   * Link-local address of NodeLocal DNSCache, allowed as a DNS server next to kube-dns.
   * @default - none: pods resolve names through kube-dns only
   */
  readonly nodeLocalDns?: string;
  /**
   * Namespace the AWX sync hooks of every tenant run in (holds the AWX token; tenants have no access).
   * @default 'stoa-hooks'
   */
  readonly hooksNamespace?: string;
  /**
   * Platform components to deploy, each with its own Application.
   * @default - all of them: stoa-gateway, control-plane-api, control-plane-ui, stoa-portal
   */
  readonly components?: readonly ComponentName[];
}

/**
 * One environment (dev, staging, prod): its Argo CD app-of-apps and the charts
 * of everything deployed to it. Output goes to `<name>/` in dist:
 *
 * - `<name>/bootstrap/`: the root Application and its project, applied once by
 *   hand (`kubectl apply -f`); no Application syncs this folder.
 * - `<name>/apps/`: every Application and AppProject; the root syncs it.
 * - `<name>/platform/<component>/`, `<name>/tenants/<tenant>/`: one folder per Application.
 */
export class Environment extends Construct {
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
  /** Namespace Argo CD runs in. */
  public readonly argocdNamespace: string;
  /** Namespace of the platform components. */
  public readonly platformNamespace: string;
  /** Namespace of the ingress controller. */
  public readonly ingressControllerNamespace: string;
  /** Color for reports. */
  public readonly color: string;
  /** Chart of every Application and AppProject (`<name>/apps`), synced by the root Application. */
  public readonly apps: ManifestChart;
  /** Project of the platform components. */
  public readonly platformProject: ArgoProject;
  /** Prometheus URL, if the environment has one. */
  public readonly prometheusAddress?: string;
  /** The ClusterSecretStore tenants read from, if any. */
  public readonly secretStoreName?: string;
  /** Where the AWX token for hooks is, if configured. */
  public readonly awxToken?: AwxTokenProps;
  /** How tenants get their Applications. */
  public readonly tenantApplications: TenantApplications;
  /** The cluster's internal CIDRs, excluded from tenants' HTTPS egress. */
  public readonly internalCidrs: readonly string[];
  /** Namespace of Prometheus. */
  public readonly monitoringNamespace: string;
  /** Labels of every PodMonitor. */
  public readonly podMonitorLabels: Readonly<Record<string, string>>;
  /** NodeLocal DNSCache address, if the cluster runs it. */
  public readonly nodeLocalDns?: string;
  /** Whether cert-manager solves ACME challenges over HTTP-01 (solver pods in each namespace). */
  public readonly acmeHttp01: boolean;
  /** Namespace of the AWX hook Jobs, when the environment has an AWX token. */
  public readonly hooksNamespace: string;
  /** The Vault behind the secret store, which tenants' own SecretStores use with their own role. */
  public readonly tenantVault?: VaultBackend;

  private readonly registry: string;
  private readonly versions: Readonly<Record<ComponentName, string>>;
  private readonly ingressClassName: string;
  private readonly clusterIssuer: string;
  private readonly canary?: EnvironmentCanaryProps;
  private readonly guardRails: Pick<ArgoProjectProps, 'syncWindows' | 'access'>;
  private readonly notifications?: NotificationTarget;
  private applicationSet?: TenantApplicationSet;
  private readonly hosts = new Map<string, string>();
  private prototypes?: PrototypeChart;

  constructor(scope: Construct, id: string, props: EnvironmentProps) {
    super(scope, id);
    this.envName = props.name;
    this.mode = props.mode ?? EnvironmentMode.FULL;
    this.sync = this.mode === EnvironmentMode.FULL ? SyncMode.automated() : SyncMode.manual();
    this.domain = props.domain;
    this.cluster = props.cluster;
    this.repo = props.repo;
    this.registry = props.registry;
    this.versions = { ...props.versions };
    this.argocdNamespace = props.argocdNamespace ?? 'argocd';
    this.platformNamespace = props.platformNamespace ?? 'stoa-system';
    this.ingressClassName = props.ingress?.className ?? 'nginx';
    this.clusterIssuer = props.ingress?.clusterIssuer ?? 'letsencrypt';
    this.ingressControllerNamespace = props.ingress?.controllerNamespace ?? 'ingress-nginx';
    this.color = props.color ?? (this.mode === EnvironmentMode.FULL ? 'green' : 'red');
    for (const c of COMPONENT_NAMES) {
      if (!this.versions[c]) throw new Error(`environment "${this.envName}": no version for component "${c}"`);
    }
    this.prometheusAddress = props.prometheusAddress;
    if (props.canary && !props.prometheusAddress) {
      throw new Error(`environment "${this.envName}": canary needs prometheusAddress for its analysis`);
    }
    this.canary = props.canary;
    this.secretStoreName = props.secretStore?.name;
    if (props.awxToken && !props.secretStore) {
      throw new Error(`environment "${this.envName}": awxToken is read through the secret store; set secretStore too`);
    }
    this.awxToken = props.awxToken;
    // The AWX token and the store it is read from: the environment runs a hooks namespace.
    const hooks = props.awxToken && props.secretStore ? { awxToken: props.awxToken, store: props.secretStore } : undefined;
    this.guardRails = { syncWindows: props.syncWindows, access: props.access };
    this.notifications = props.notifications;
    this.tenantApplications = props.tenantApplications ?? TenantApplications.APPLICATIONS;
    this.internalCidrs = [...(props.internalCidrs ?? [])];
    this.monitoringNamespace = props.monitoring?.namespace ?? 'monitoring';
    this.podMonitorLabels = { ...props.monitoring?.podMonitorLabels };
    this.nodeLocalDns = props.nodeLocalDns;
    this.acmeHttp01 = (props.ingress?.acmeSolver ?? 'http01') === 'http01';
    this.hooksNamespace = props.hooksNamespace ?? 'stoa-hooks';
    this.tenantVault = props.secretStore?.backend.provider === 'vault' ? props.secretStore.backend : undefined;

    const argocdServer = props.argocdServer ?? 'https://kubernetes.default.svc';
    const bootstrap = new ManifestChart(this, 'bootstrap', { outputPath: this.outputPath('bootstrap'), labels: this.labels() });
    this.apps = new ManifestChart(this, 'apps', { outputPath: this.outputPath('apps'), labels: this.labels() });

    const rootProject = new ArgoProject(bootstrap, 'project', {
      ...this.guardRails,
      name: this.argoName('bootstrap'),
      argocdNamespace: this.argocdNamespace,
      description: `App-of-apps root of ${this.envName}: manages only its Applications and AppProjects`,
      sourceRepos: [this.repo.url],
      destinations: [{ server: argocdServer, namespace: this.argocdNamespace }],
      namespaceResources: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
        ...(this.tenantApplications === TenantApplications.APPLICATION_SET ? [{ group: 'argoproj.io', kind: 'ApplicationSet' }] : []),
      ],
    });
    new ArgoApplication(bootstrap, 'root', {
      annotations: this.applicationAnnotations(),
      name: this.argoName('root'),
      argocdNamespace: this.argocdNamespace,
      project: rootProject.projectName,
      source: this.sourceFor(this.apps),
      destinationServer: argocdServer,
      destinationNamespace: this.argocdNamespace,
      sync: this.sync,
      // Argo CD's own namespace exists before the root is applied.
      createNamespace: false,
      // Prune in reverse wave order (Applications before the projects they use), not all at the end together.
      pruneLast: false,
    });

    this.platformProject = this.addProject(this.apps, 'platform-project', {
      name: this.argoName('platform'),
      description: `STOA platform components in ${this.envName}`,
      destinations: [
        { server: this.cluster.server, namespace: this.platformNamespace },
        ...(hooks ? [{ server: this.cluster.server, namespace: this.hooksNamespace }] : []),
      ],
      clusterResources: [
        { group: '', kind: 'Namespace', name: this.platformNamespace },
        ...(hooks ? [{ group: '', kind: 'Namespace', name: this.hooksNamespace }] : []),
        ...(props.secretStore ? [{ group: 'external-secrets.io', kind: 'ClusterSecretStore', name: props.secretStore.name }] : []),
      ],
    });

    for (const component of props.components ?? COMPONENT_NAMES) {
      new Component(this, `platform-${component}`, { component });
    }

    if (props.secretStore) {
      const chart = new ManifestChart(this, 'secret-store', { outputPath: this.outputPath('platform', 'secret-store'), labels: this.labels() });
      new ClusterSecretStore(chart, 'store', {
        name: props.secretStore.name,
        backend: props.secretStore.backend,
        // Platform namespaces only: tenants (and, with Vault, the hooks namespace) read through
        // a SecretStore of their own with their own Vault role.
        namespaces: [this.platformNamespace, ...(hooks && !this.tenantVault ? [this.hooksNamespace] : [])],
      });
      const app = this.addApplication(this.apps, 'secret-store-application', {
        name: this.argoName('secret-store'),
        project: this.platformProject.projectName,
        source: this.sourceFor(chart),
        destinationServer: this.cluster.server,
        destinationNamespace: this.platformNamespace,
        sync: this.sync,
        labels: { 'stoa.io/component': 'secret-store' },
      });
      setSyncWave(app, APP_SYNC_WAVES.secretStore);
    }

    if (hooks) {
      const chart = new ManifestChart(this, 'hooks', { outputPath: this.outputPath('platform', 'hooks'), labels: this.labels() });
      new HooksNamespace(chart, 'namespace', {
        namespace: this.hooksNamespace,
        store: this.tenantVault ? { vault: this.tenantVault, role: hooks.awxToken.vaultRole ?? 'stoa-hooks' } : { clusterSecretStore: hooks.store.name },
        awxToken: hooks.awxToken,
        internalCidrs: this.internalCidrs,
        nodeLocalDns: this.nodeLocalDns,
      });
      const app = this.addApplication(this.apps, 'hooks-application', {
        name: this.argoName('hooks'),
        project: this.platformProject.projectName,
        source: this.sourceFor(chart),
        destinationServer: this.cluster.server,
        destinationNamespace: this.hooksNamespace,
        sync: this.sync,
        // Its Namespace is a manifest, with the Pod Security labels.
        createNamespace: false,
        labels: { 'stoa.io/component': 'hooks' },
      });
      setSyncWave(app, APP_SYNC_WAVES.hooks);
    }

    new ArgoCdSettings(this, 'argocd-settings', {
      outputPath: this.outputPath('argocd-config'),
      argocdNamespace: this.argocdNamespace,
      notifications: props.notifications !== undefined,
      // No environment label: one Argo CD gets every environment's patch, and they must be identical.
      labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests' },
    });
  }

  /** An AppProject of this environment, with its guard rails (sync windows, roles) and the envs repo as only source. */
  public addProject(scope: Construct, id: string, props: Omit<ArgoProjectProps, 'argocdNamespace' | 'sourceRepos' | 'syncWindows' | 'access'>): ArgoProject {
    return new ArgoProject(scope, id, { ...props, ...this.guardRails, argocdNamespace: this.argocdNamespace, sourceRepos: [this.repo.url] });
  }

  /** An Application of this environment, subscribed to its notifications. */
  public addApplication(scope: Construct, id: string, props: Omit<ArgoApplicationProps, 'argocdNamespace' | 'annotations'>): ArgoApplication {
    return new ArgoApplication(scope, id, { ...props, argocdNamespace: this.argocdNamespace, annotations: this.applicationAnnotations() });
  }

  /**
   * The Application of a tenant: written into the app-of-apps, or, in
   * ApplicationSet mode, made a prototype of the environment's ApplicationSet.
   */
  public addTenantApplication(tenant: string, props: Omit<ArgoApplicationProps, 'argocdNamespace' | 'annotations'>): ArgoApplication {
    const app = this.tenantApplications === TenantApplications.APPLICATIONS
      ? this.addApplication(this.apps, `tenant-${tenant}-application`, props)
      : this.addTenantPrototype(tenant, props);
    // The same wave in both modes, so both give the same Applications.
    setSyncWave(app, APP_SYNC_WAVES.tenants);
    return app;
  }

  /** A tenant's Application as a prototype of the environment's ApplicationSet (never rendered itself). */
  private addTenantPrototype(tenant: string, props: Omit<ArgoApplicationProps, 'argocdNamespace' | 'annotations'>): ArgoApplication {
    // Same labels as the apps chart, so prototypes are exactly the Applications they stand for.
    this.prototypes ??= new PrototypeChart(this, 'prototypes', { labels: this.labels() });
    this.applicationSet ??= new TenantApplicationSet(this.apps, 'tenants-applicationset', {
      name: this.argoName('tenants'),
      argocdNamespace: this.argocdNamespace,
      repoUrl: this.repo.url,
      revision: this.repo.revision,
      tenantsFolder: this.outputPath('tenants'),
      syncWave: APP_SYNC_WAVES.tenants,
    });
    const app = this.addApplication(this.prototypes, `tenant-${tenant}-application`, props);
    this.applicationSet.addTenant(tenant, app);
    return app;
  }

  /**
   * How a tenant's gateway is delivered here: canary when the environment offers
   * it and the tenant (or, when the tenant does not say, the environment) wants it.
   */
  public deliveryFor(tenantWantsCanary: boolean | undefined): Delivery {
    if (!this.canary || !(tenantWantsCanary ?? this.canary.enabled ?? false)) return Delivery.rolling();
    return Delivery.canary({
      steps: this.canary.steps,
      pause: this.canary.pause,
      analysis: { prometheusAddress: this.prometheusAddress!, successRate: this.canary.successRate },
    });
  }

  /** Notification subscriptions of every Application of the environment. */
  public applicationAnnotations(): Record<string, string> | undefined {
    return this.notifications ? notificationAnnotations(this.notifications) : undefined;
  }

  /** Folder in dist for `segments` of this environment, e.g. `dev/tenants/acme`. */
  public outputPath(...segments: string[]): string {
    return outputFolder(this.envName, ...segments);
  }

  /** Argo CD object name, unique when one Argo CD serves every environment: `<env>-<base>`. */
  public argoName(base: string): string {
    return argoName(this.envName, base);
  }

  /** The Application source that deploys `chart` from the envs repo. */
  public sourceFor(chart: ManifestChart): { repoUrl: string; revision: string; path: string } {
    return { repoUrl: this.repo.url, revision: this.repo.revision, path: chart.outputPath };
  }

  /** Pinned image of a platform component: `<registry>/<component>:<tag>` or `@sha256:...`. */
  public imageOf(component: ComponentName): string {
    const version = this.versions[component];
    return version.startsWith('sha256:') ? `${this.registry}/${component}@${version}` : `${this.registry}/${component}:${version}`;
  }

  /** Version of a platform component. */
  public versionOf(component: ComponentName): string {
    return this.versions[component];
  }

  /**
   * Ingress settings for a host under this environment's domain: `<prefix>.<domain>`,
   * claimed for `owner`; a host claimed twice in one environment is an error.
   */
  public ingressFor(prefix: string, owner: string = prefix): IngressOptions {
    const host = `${prefix}.${this.domain}`;
    const holder = this.hosts.get(host);
    if (holder !== undefined) throw new Error(`environment "${this.envName}": host ${host} of ${owner} is already served by ${holder}`);
    this.hosts.set(host, owner);
    return { host, className: this.ingressClassName, clusterIssuer: this.clusterIssuer };
  }

  /** Labels on every object of the environment. */
  public labels(extra: Record<string, string> = {}): Record<string, string> {
    return { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': this.envName, ...extra };
  }
}
