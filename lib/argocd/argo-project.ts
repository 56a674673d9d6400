import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { compareStrings } from '../sort';
import { RESOURCES_FINALIZER, SYNC_WAVE_ANNOTATION } from './sync-policy';
import { APP_SYNC_WAVES } from './sync-wave';
import { appProjectRole, ProjectAccess, ProjectOwners, ProjectRoleModel, projectRoleModels, rbacSubjectProblem } from './argocd-rbac';

export { RELEASE_ROLLOUT_ACTIONS } from './argocd-rbac';
export type { ProjectAccess, ProjectOwners, ProjectRoleModel, RbacPermission } from './argocd-rbac';

/** A cluster and namespace an Argo CD project may deploy to. */
export interface ArgoDestination {
  /** API server URL of the cluster. */
  readonly server: string;
  /** Namespace in that cluster. */
  readonly namespace: string;
}

/** A Kubernetes kind, by API group (`''` for core), optionally narrowed to one object name. */
export interface GroupKind {
  /** API group; `''` is the core group. */
  readonly group: string;
  /** Kind, e.g. `Namespace`. */
  readonly kind: string;
  /**
   * Only the object of this name (Argo CD 3 name matching).
   * @default - any name
   */
  readonly name?: string;
}

/** A time window in which syncs are allowed; outside every window, syncs (manual ones too) are denied. */
export interface SyncWindow {
  /** Cron schedule of the window start, e.g. `0 8 * * 1-4`. */
  readonly schedule: string;
  /** Window length, e.g. `10h`. */
  readonly duration: string;
  /**
   * IANA time zone of the schedule.
   * @default 'UTC'
   */
  readonly timeZone?: string;
}


/** Props of {@link ArgoProject}. */
export interface ArgoProjectProps {
  /** Name of the AppProject. */
  readonly name: string;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * One-line description shown in the Argo CD UI.
   * @default - none
   */
  readonly description?: string;
  /** Git repositories Applications of this project may pull from. */
  readonly sourceRepos: readonly string[];
  /** Where Applications of this project may deploy; nothing else is allowed. */
  readonly destinations: readonly ArgoDestination[];
  /**
   * Cluster-scoped kinds the project may manage.
   * @default - none: the project can manage namespaced objects only
   */
  readonly clusterResources?: readonly GroupKind[];
  /**
   * Namespaced kinds the project may manage.
   * @default - every namespaced kind
   */
  readonly namespaceResources?: readonly GroupKind[];
  /**
   * Allow syncs only inside these windows (deny by default outside them).
   * @default - syncs allowed at any time
   */
  readonly syncWindows?: readonly SyncWindow[];
  /**
   * Project roles: `read-only` for viewers, `release` (get, sync, and the Rollout actions resume, promote-full, abort and retry) for releasers;
   * neither may update, delete, override, exec or run any other action: what Argo CD writes comes from git.
   * @default - no project roles
   */
  readonly access?: ProjectAccess;
  /**
   * A tenant's owners: an `owner` role (get and logs; with `operate`, also sync and the Rollout actions
   * resume, promote-full, abort and retry). Only the AppProject carries it: the environment's `policy.<env>.csv`
   * holds the environment-wide roles (`access`) only.
   * @default - no owner role
   */
  readonly owners?: ProjectOwners;
  /**
   * Labels on the AppProject.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * An Argo CD AppProject: the fence around a set of Applications (which repos,
 * which clusters and namespaces, which kinds). It is synced in the first wave
 * of the app-of-apps so Applications never refer to a project that does not exist yet.
 */
export class ArgoProject extends Construct {
  /** Name of the AppProject, for Applications to refer to. */
  public readonly projectName: string;

  private readonly destinationList: ArgoDestination[];
  private readonly clusterKinds: GroupKind[];
  /** Undefined: every namespaced kind. */
  private readonly namespacedKinds?: GroupKind[];
  private readonly roleModels: ProjectRoleModel[];

  constructor(scope: Construct, id: string, props: ArgoProjectProps) {
    super(scope, id);
    this.projectName = props.name;
    this.destinationList = props.destinations.map((d) => ({ server: d.server, namespace: d.namespace }));
    this.clusterKinds = [...(props.clusterResources ?? [])];
    this.namespacedKinds = props.namespaceResources ? [...props.namespaceResources] : undefined;
    this.roleModels = projectRoleModels(props.access, props.owners);
    for (const role of this.roleModels) {
      for (const subject of role.subjects) {
        const problem = rbacSubjectProblem(subject);
        if (problem) throw new Error(`AppProject "${props.name}": role "${role.name}" subject "${subject}" ${problem}`);
      }
    }
    const key = (k: GroupKind) => `${k.group}/${k.kind}/${k.name ?? ''}`;
    const sortKinds = (kinds: readonly GroupKind[]) =>
      [...kinds].sort((a, b) => compareStrings(key(a), key(b))).map((k) => ({ group: k.group, kind: k.kind, name: k.name }));

    new AppProject(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: String(APP_SYNC_WAVES.projects) },
        // Argo CD keeps a project while Applications use it: removing a tenant deletes its
        // Application first, which can only finish its own finalizer while the project exists.
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        // Lazy: the allow* methods may widen the project after construction.
        destinations: Lazy.any({ produce: () => this.destinationList.map((d) => ({ ...d })) }),
        clusterResourceWhitelist: Lazy.any({ produce: () => sortKinds(this.clusterKinds) }),
        namespaceResourceWhitelist: Lazy.any({ produce: () => (this.namespacedKinds ? sortKinds(this.namespacedKinds) : undefined) }),
        syncWindows: props.syncWindows?.map((w) => ({
          kind: 'allow',
          schedule: w.schedule,
          duration: w.duration,
          timeZone: w.timeZone ?? 'UTC',
          applications: ['*'],
          // Manual syncs too: outside a window nothing reaches the cluster.
          manualSync: false,
        })),
        roles: this.roleModels.length > 0 ? this.roleModels.map((r) => appProjectRole(props.name, r)) : undefined,
      },
    });
  }

  /** The project's roles (who may do what on its Applications), from which `spec.roles` and the environment's `policy.<env>.csv` are rendered. */
  public get roles(): readonly ProjectRoleModel[] {
    return this.roleModels.map((r) => ({ ...r, subjects: [...r.subjects], permissions: [...r.permissions] }));
  }

  /** Where Applications of this project may deploy. */
  public get destinations(): readonly ArgoDestination[] {
    return [...this.destinationList];
  }

  /** Cluster-scoped kinds the project may manage. */
  public get clusterResources(): readonly GroupKind[] {
    return [...this.clusterKinds];
  }

  /** Namespaced kinds the project may manage; undefined means every namespaced kind. */
  public get namespaceResources(): readonly GroupKind[] | undefined {
    return this.namespacedKinds ? [...this.namespacedKinds] : undefined;
  }

  /** Widens the project: Applications may also deploy to `destination`. */
  public allowDestination(destination: ArgoDestination): void {
    if (!this.destinationList.some((d) => d.server === destination.server && d.namespace === destination.namespace)) {
      this.destinationList.push({ server: destination.server, namespace: destination.namespace });
    }
  }

  /** Widens the project: it may manage this cluster-scoped kind (name it, so the project allows that one object only). */
  public allowClusterResource(kind: GroupKind): void {
    if (!this.clusterKinds.some((k) => sameKind(k, kind))) this.clusterKinds.push({ ...kind });
  }

  /** Widens the project: it may manage this namespaced kind (a no-op when it allows every namespaced kind). */
  public allowNamespaceResource(kind: GroupKind): void {
    if (this.namespacedKinds && !this.namespacedKinds.some((k) => sameKind(k, kind))) this.namespacedKinds.push({ ...kind });
  }

  /**
   * Why Argo CD would refuse `object` in an Application of this project deploying to
   * `destination`, or undefined when the project allows it.
   */
  public refusal(object: { apiGroup: string; kind: string; name: string; namespace?: string }, destination: ArgoDestination): string | undefined {
    const group = object.apiGroup === 'core' ? '' : object.apiGroup;
    const matches = (k: GroupKind) => k.group === group && k.kind === object.kind && (k.name === undefined || k.name === object.name);
    if (object.namespace === undefined) {
      return this.clusterKinds.some(matches) ? undefined : `cluster-scoped ${group}/${object.kind} ${object.name} is not in its clusterResourceWhitelist (allowClusterResource)`;
    }
    if (this.namespacedKinds && !this.namespacedKinds.some(matches)) {
      return `${group}/${object.kind} is not in its namespaceResourceWhitelist (allowNamespaceResource)`;
    }
    const allowed = this.destinationList.some((d) => d.server === destination.server && d.namespace === object.namespace);
    return allowed ? undefined : `namespace ${object.namespace} is not one of its destinations (allowDestination)`;
  }
}

function sameKind(a: GroupKind, b: GroupKind): boolean {
  return a.group === b.group && a.kind === b.kind && a.name === b.name;
}
