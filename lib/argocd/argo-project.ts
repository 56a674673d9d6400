import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { compareStrings } from '../sort';
import { SYNC_WAVE_ANNOTATION } from './sync-policy';

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
   * Labels on the AppProject.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * An Argo CD AppProject: the fence around a set of Applications (which repos,
 * which clusters and namespaces, which kinds). It is synced one wave before
 * Applications so they never refer to a project that does not exist yet.
 */
export class ArgoProject extends Construct {
  /** Name of the AppProject, for Applications to refer to. */
  public readonly projectName: string;

  constructor(scope: Construct, id: string, props: ArgoProjectProps) {
    super(scope, id);
    this.projectName = props.name;
    const key = (k: GroupKind) => `${k.group}/${k.kind}/${k.name ?? ''}`;
    const sortKinds = (kinds: readonly GroupKind[]) =>
      [...kinds].sort((a, b) => compareStrings(key(a), key(b))).map((k) => ({ group: k.group, kind: k.kind, name: k.name }));

    new AppProject(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? 'argocd',
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: '-1' },
      },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        destinations: props.destinations.map((d) => ({ server: d.server, namespace: d.namespace })),
        clusterResourceWhitelist: sortKinds(props.clusterResources ?? []),
        namespaceResourceWhitelist: props.namespaceResources ? sortKinds(props.namespaceResources) : undefined,
      },
    });
  }
}
