import { Construct } from 'constructs';
import { ENVIRONMENT_DEFAULTS } from '../config/environment-defaults';
import { argoName, outputFolder } from '../layout/output-layout';
import { ManifestChart } from '../render/manifest-chart';
import { PrototypeChart } from '../render/prototype-chart';
import { ArgoApplication, ArgoApplicationProps } from './argo-application';
import { ArgoProject, ArgoProjectProps, GroupKind, ProjectAccess, SyncWindow } from './argo-project';
import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { NotificationTarget, notificationAnnotations, TenantReadyWebhook, tenantReadyAnnotations } from './notifications';
import { SyncMode } from './sync-policy';
import { APP_SYNC_WAVES, setSyncWave } from './sync-wave';
import { TenantApplicationSet } from './tenant-application-set';
import { PreviewApplicationSet, PreviewApplicationSetProps } from './preview-application-set';
import { PREVIEW_NAMESPACE_PREFIX } from '../layout/preview-names';
import { EnvsRepoCredentials, RepoCredentials } from './repo-credentials';

/** The git repository Argo CD pulls rendered manifests from. */
export interface EnvsRepo {
  /** Repository URL. */
  readonly url: string;
  /** Branch, tag or commit Argo CD follows. */
  readonly revision: string;
  /**
   * Where Argo CD's credentials for the repository are in a secret store of Argo CD's cluster: an
   * ExternalSecret in `<env>/bootstrap/` makes Argo CD's repository Secret from them (see {@link RepoCredentials}).
   * @default - none: the repository is public, or its credentials are given to Argo CD another way
   */
  readonly credentials?: EnvsRepoCredentials;
}

/** How tenants get their Argo CD Applications. */
export enum TenantApplications {
  /** One Application per tenant, written into the app-of-apps. */
  APPLICATIONS = 'applications',
  /** One ApplicationSet whose git directory generator makes an Application per tenant folder. */
  APPLICATION_SET = 'applicationset',
}

/** Props of an Application added to an app-of-apps: its Argo CD namespace and notifications are the app-of-apps'. */
export type AppOfAppsApplicationProps = Omit<ArgoApplicationProps, 'argocdNamespace' | 'annotations'>;

/** Options of {@link IAppOfApps.addTenantApplication}. */
export interface TenantApplicationOptions {
  /**
   * The tenant is leaving (its folder holds only its deprovision hook): in ApplicationSet mode its
   * Application, which the generator makes from the folder, shapes no template.
   * @default false
   */
  readonly leaving?: boolean;
}

/** Props of an AppProject added to an app-of-apps: its namespace, source repo and guard rails are the app-of-apps'. */
export type AppOfAppsProjectProps = Omit<ArgoProjectProps, 'argocdNamespace' | 'sourceRepos' | 'syncWindows' | 'access'>;

/** Props of {@link AppOfApps.addPreviews}: the envs repo, names, project and wave are the app-of-apps'. */
export interface AppOfAppsPreviewProps extends Omit<PreviewApplicationSetProps, 'name' | 'argocdNamespace' | 'repoUrl' | 'project' | 'syncWave'> {
  /** The namespaced kinds a preview may deploy: what their AppProject allows (never an Argo CD kind or a Secret). */
  readonly namespaceResources: readonly GroupKind[];
}

/** The Argo CD side of an environment, as tenants and components use it. */
export interface IAppOfApps {
  /** Argo CD object name, unique when one Argo CD serves every environment: `<env>-<base>`. */
  argoName(base: string): string;
  /** The Application source that deploys `chart` from the envs repo. */
  sourceFor(chart: ManifestChart): { repoUrl: string; revision: string; path: string };
  /** An AppProject in the app-of-apps, with the environment's guard rails and the envs repo as only source. */
  addProject(id: string, props: AppOfAppsProjectProps): ArgoProject;
  /** An Application in the app-of-apps, subscribed to the environment's notifications. */
  addApplication(id: string, props: AppOfAppsApplicationProps): ArgoApplication;
  /** A tenant's Application: in the app-of-apps, or a prototype of the ApplicationSet in ApplicationSet mode. */
  addTenantApplication(tenant: string, props: AppOfAppsApplicationProps, options?: TenantApplicationOptions): ArgoApplication;
}

/** Props of {@link AppOfApps}. */
export interface AppOfAppsProps {
  /** Environment name: the top output folder and the prefix of every Argo CD name. */
  readonly envName: string;
  /** The envs repo Argo CD pulls. */
  readonly repo: EnvsRepo;
  /** How Applications sync. */
  readonly sync: SyncMode;
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
   * Sync windows of every project.
   * @default - syncs at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
  /**
   * Project roles of every project.
   * @default - no project roles
   */
  readonly access?: ProjectAccess;
  /**
   * Notification subscriptions of every Application.
   * @default - none
   */
  readonly notifications?: NotificationTarget;
  /**
   * The control plane's tenant-ready webhook every tenant Application is subscribed to.
   * @default - none
   */
  readonly tenantReady?: TenantReadyWebhook;
  /**
   * One Application per tenant, or one ApplicationSet over the tenant folders.
   * @default TenantApplications.APPLICATIONS
   */
  readonly tenantApplications?: TenantApplications;
  /**
   * Keep every tenant's Application when git no longer has it (`Prune=false` on it): a person
   * deletes it. Always so in a read-only environment. Set it in a full environment for the commit
   * before a switch of `tenantApplications` and the switch itself: the root then never deletes (and
   * cascades) an Application that the new mode takes over.
   * @default false
   */
  readonly keepTenantApplications?: boolean;
  /**
   * Labels of the bootstrap and apps charts' objects.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * An environment's Argo CD app-of-apps:
 *
 * - `<env>/bootstrap/`: the root Application and its project, and the envs repo's credentials
 *   (an ExternalSecret) when `repo.credentials` says where they are, applied once by hand
 *   (`kubectl apply -f`); no Application syncs this folder.
 * - `<env>/apps/`: every Application and AppProject; the root syncs it.
 *
 * In ApplicationSet mode, tenant Applications become the ApplicationSet's generated
 * Applications; their prototypes are never rendered.
 */
export class AppOfApps extends Construct implements IAppOfApps {
  /** Chart of every Application and AppProject (`<env>/apps`), synced by the root Application. */
  public readonly apps: ManifestChart;
  /** Namespace Argo CD runs in. */
  public readonly argocdNamespace: string;
  /** How tenants get their Applications. */
  public readonly tenantApplications: TenantApplications;

  private readonly props: AppOfAppsProps;
  private readonly rootProject: ArgoProject;
  private applicationSet?: TenantApplicationSet;
  private prototypes?: PrototypeChart;

  constructor(scope: Construct, id: string, props: AppOfAppsProps) {
    super(scope, id);
    this.props = props;
    this.argocdNamespace = props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE;
    this.tenantApplications = props.tenantApplications ?? TenantApplications.APPLICATIONS;
    const argocdServer = props.argocdServer ?? ENVIRONMENT_DEFAULTS.argocdServer;
    const bootstrap = new ManifestChart(this, 'bootstrap', { outputPath: outputFolder(props.envName, 'bootstrap'), labels: props.labels });
    this.apps = new ManifestChart(this, 'apps', { outputPath: outputFolder(props.envName, 'apps'), labels: props.labels });

    const rootProject = this.rootProject = new ArgoProject(bootstrap, 'project', {
      syncWindows: props.syncWindows,
      access: props.access,
      name: this.argoName('bootstrap'),
      argocdNamespace: this.argocdNamespace,
      description: `App-of-apps root of ${props.envName}: manages only its Applications and AppProjects`,
      sourceRepos: [props.repo.url],
      destinations: [{ server: argocdServer, namespace: this.argocdNamespace }],
      namespaceResources: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
        ...(this.tenantApplications === TenantApplications.APPLICATION_SET ? [{ group: 'argoproj.io', kind: 'ApplicationSet' }] : []),
      ],
    });
    if (props.repo.credentials) {
      // Bootstrap, applied by hand with the root: Argo CD needs the Secret before it can read <env>/apps.
      new RepoCredentials(bootstrap, 'repo-credentials', {
        name: this.argoName('envs-repo'),
        argocdNamespace: this.argocdNamespace,
        url: props.repo.url,
        credentials: props.repo.credentials,
        secretLabels: props.labels,
      });
    }
    new ArgoApplication(bootstrap, 'root', {
      annotations: this.annotations(),
      name: this.argoName('root'),
      argocdNamespace: this.argocdNamespace,
      project: rootProject.projectName,
      source: this.sourceFor(this.apps),
      destinationServer: argocdServer,
      destinationNamespace: this.argocdNamespace,
      sync: props.sync,
      // Argo CD's own namespace exists before the root is applied.
      createNamespace: false,
      // Prune in reverse wave order (Applications before the projects they use), not all at the end together.
      pruneLast: false,
      // A child whose Application object is unchanged (a paused canary, a Degraded app) is not a task
      // of the root's sync: the root never waits for it (argocd-config's Application health check).
      applyOutOfSyncOnly: true,
      // Pruning the tenants' ApplicationSet (dropped, renamed, or a switch to one Application per tenant)
      // orphans its Applications instead of deleting them: the root's own Applications of the same names
      // take them over, and no tenant's namespace goes with them.
      prunePropagationPolicy: 'orphan',
    });
  }

  public argoName(base: string): string {
    return argoName(this.props.envName, base);
  }

  public sourceFor(chart: ManifestChart): { repoUrl: string; revision: string; path: string } {
    return { repoUrl: this.props.repo.url, revision: this.props.repo.revision, path: chart.outputPath };
  }

  public addProject(id: string, props: AppOfAppsProjectProps): ArgoProject {
    return new ArgoProject(this.apps, id, {
      ...props, syncWindows: this.props.syncWindows, access: this.props.access, argocdNamespace: this.argocdNamespace, sourceRepos: [this.props.repo.url],
    });
  }

  public addApplication(id: string, props: AppOfAppsApplicationProps): ArgoApplication {
    return this.application(this.apps, id, props);
  }

  public addTenantApplication(tenant: string, props: AppOfAppsApplicationProps, options: TenantApplicationOptions = {}): ArgoApplication {
    const ready = this.props.tenantReady && tenantReadyAnnotations(this.props.envName, this.props.tenantReady);
    const kept = this.props.keepTenantApplications ? { ...props, manualRemoval: true } : props;
    const leaving = options.leaving === true;
    const app = this.tenantApplications === TenantApplications.APPLICATIONS
      ? this.application(this.apps, `tenant-${tenant}-application`, kept, ready)
      : this.addTenantPrototype(tenant, kept, ready, leaving);
    // The same wave in both modes, so both give the same Applications.
    setSyncWave(app, APP_SYNC_WAVES.tenants);
    return app;
  }

  /**
   * Pull request previews in this environment's cluster: their AppProject (`<env>-previews`: only the
   * envs repo, only namespaces `pr-*` of the cluster, only the kinds a preview renders, no Argo CD
   * kinds) and the ApplicationSet whose Pull Request generator makes an Application per labelled pull
   * request (see {@link PreviewApplicationSet}), in the last wave.
   */
  public addPreviews(props: AppOfAppsPreviewProps): PreviewApplicationSet {
    const project = new ArgoProject(this.apps, 'previews-project', {
      name: this.argoName('previews'),
      argocdNamespace: this.argocdNamespace,
      description: `Pull request previews in ${this.props.envName}'s cluster: only pr-* namespaces, only the envs repo`,
      sourceRepos: [this.props.repo.url],
      destinations: [{ server: props.clusterServer, namespace: `${PREVIEW_NAMESPACE_PREFIX}*` }],
      clusterResources: [{ group: '', kind: 'Namespace', name: `${PREVIEW_NAMESPACE_PREFIX}*` }],
      namespaceResources: props.namespaceResources,
      // Who may see and sync the previews: the environment's roles, as on every project of it (argocd-rbac-cm).
      access: this.props.access,
    });
    this.rootProject.allowNamespaceResource({ group: 'argoproj.io', kind: 'ApplicationSet' });
    const { namespaceResources: _kinds, ...generator } = props;
    return new PreviewApplicationSet(this.apps, 'previews-applicationset', {
      ...generator,
      name: this.argoName('previews'),
      argocdNamespace: this.argocdNamespace,
      repoUrl: this.props.repo.url,
      project: project.projectName,
      syncWave: APP_SYNC_WAVES.previews,
    });
  }

  private application(scope: Construct, id: string, props: AppOfAppsApplicationProps, extra?: Record<string, string>): ArgoApplication {
    const annotations = extra ? { ...this.annotations(), ...extra } : this.annotations();
    return new ArgoApplication(scope, id, { ...props, argocdNamespace: this.argocdNamespace, annotations });
  }

  /** A tenant's Application as a prototype of the environment's ApplicationSet (never rendered itself). */
  private addTenantPrototype(tenant: string, props: AppOfAppsApplicationProps, extra: Record<string, string> | undefined, leaving: boolean): ArgoApplication {
    // Same labels as the apps chart, so prototypes are exactly the Applications they stand for.
    this.prototypes ??= new PrototypeChart(this, 'prototypes', { labels: this.props.labels });
    this.applicationSet ??= new TenantApplicationSet(this.apps, 'tenants-applicationset', {
      name: this.argoName('tenants'),
      argocdNamespace: this.argocdNamespace,
      repoUrl: this.props.repo.url,
      revision: this.props.repo.revision,
      tenantsFolder: outputFolder(this.props.envName, 'tenants'),
      syncWave: APP_SYNC_WAVES.tenants,
      manualDeletion: !this.props.sync.isAutomated || this.props.keepTenantApplications === true,
    });
    const app = this.application(this.prototypes, `tenant-${tenant}-application`, props, extra);
    // A leaving tenant's folder (only its deprovision hook) differs from the others: it shapes no template.
    if (!leaving) this.applicationSet.addTenant(tenant, app);
    return app;
  }

  private annotations(): Record<string, string> | undefined {
    return this.props.notifications ? notificationAnnotations(this.props.notifications) : undefined;
  }
}
