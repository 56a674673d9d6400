import { Construct } from 'constructs';
import { ArgoApplication } from '../argocd/argo-application';
import { ArgoProject } from '../argocd/argo-project';
import { SyncMode } from '../argocd/sync-policy';
import { COMPONENT_NAMES, ComponentName } from '../config/environment-config';
import { ManifestChart } from '../render/manifest-chart';
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

  private readonly registry: string;
  private readonly versions: Readonly<Record<ComponentName, string>>;
  private readonly ingressClassName: string;
  private readonly clusterIssuer: string;

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

    const argocdServer = props.argocdServer ?? 'https://kubernetes.default.svc';
    const bootstrap = new ManifestChart(this, 'bootstrap', { outputPath: this.outputPath('bootstrap'), labels: this.labels() });
    this.apps = new ManifestChart(this, 'apps', { outputPath: this.outputPath('apps'), labels: this.labels() });

    const rootProject = new ArgoProject(bootstrap, 'project', {
      name: this.argoName('bootstrap'),
      argocdNamespace: this.argocdNamespace,
      description: `App-of-apps root of ${this.envName}: manages only its Applications and AppProjects`,
      sourceRepos: [this.repo.url],
      destinations: [{ server: argocdServer, namespace: this.argocdNamespace }],
      namespaceResources: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
      ],
    });
    new ArgoApplication(bootstrap, 'root', {
      name: this.argoName('root'),
      argocdNamespace: this.argocdNamespace,
      project: rootProject.projectName,
      source: this.sourceFor(this.apps),
      destinationServer: argocdServer,
      destinationNamespace: this.argocdNamespace,
      sync: this.sync,
      // Argo CD's own namespace exists before the root is applied.
      createNamespace: false,
    });

    this.platformProject = new ArgoProject(this.apps, 'platform-project', {
      name: this.argoName('platform'),
      argocdNamespace: this.argocdNamespace,
      description: `STOA platform components in ${this.envName}`,
      sourceRepos: [this.repo.url],
      destinations: [{ server: this.cluster.server, namespace: this.platformNamespace }],
      clusterResources: [{ group: '', kind: 'Namespace', name: this.platformNamespace }],
    });
  }

  /** Folder in dist for `segments` of this environment, e.g. `dev/tenants/acme`. */
  public outputPath(...segments: string[]): string {
    return [this.envName, ...segments].join('/');
  }

  /** Argo CD object name, unique when one Argo CD serves every environment: `<env>-<base>`. */
  public argoName(base: string): string {
    return `${this.envName}-${base}`;
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

  /** Ingress settings for a host under this environment's domain: `<prefix>.<domain>`. */
  public ingressFor(prefix: string): IngressOptions {
    return { host: `${prefix}.${this.domain}`, className: this.ingressClassName, clusterIssuer: this.clusterIssuer };
  }

  /** Labels on every object of the environment. */
  public labels(extra: Record<string, string> = {}): Record<string, string> {
    return { 'app.kubernetes.io/managed-by': 'stoa-manifests', 'stoa.io/environment': this.envName, ...extra };
  }
}
