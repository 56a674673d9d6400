import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../../imports/argocd-application-argoproj.io';
import { isReplicasOwnedElsewhere } from './replica-owners';
import { MANIFEST_GENERATE_PATHS_ANNOTATION, OWN_FOLDER, RESOURCES_FINALIZER, SYNC_OPTIONS_ANNOTATION, SYNC_RETRY, SyncMode } from './sync-policy';

/** The git source of an Application. */
export interface ArgoSource {
  /** Repository URL. */
  readonly repoUrl: string;
  /** Branch, tag or commit. */
  readonly revision: string;
  /** Folder in the repository that holds the manifests. */
  readonly path: string;
}

/** Props of {@link ArgoApplication}. */
export interface ArgoApplicationProps {
  /** Name of the Application. */
  readonly name: string;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /** Name of the AppProject the Application belongs to. */
  readonly project: string;
  /** Where the manifests come from. */
  readonly source: ArgoSource;
  /** API server URL of the destination cluster. */
  readonly destinationServer: string;
  /** Default namespace of the deployed objects. */
  readonly destinationNamespace: string;
  /** Automated (prune + self-heal) or manual sync. */
  readonly sync: SyncMode;
  /**
   * The constructs whose objects this Application deploys. Any workload in them
   * whose replicas are owned by an autoscaler gets an `ignoreDifferences` entry
   * for `/spec/replicas`, found when the Application is rendered.
   * @default - none
   */
  readonly manifests?: IConstruct;
  /**
   * Let Argo CD create the destination namespace (`CreateNamespace=true`).
   * The project must allow the Namespace kind for that namespace.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Prune what git no longer has only after everything else is synced and healthy
   * (`PruneLast=true`): a Deployment replaced by a Rollout keeps serving until the Rollout is up.
   * @default true
   */
  readonly pruneLast?: boolean;
  /**
   * How a prune deletes what the pruned object owns (`PrunePropagationPolicy=<policy>`): `orphan`
   * keeps an ApplicationSet's Applications when the ApplicationSet is pruned (its owner references
   * are removed instead), so renaming or dropping it never deletes a tenant's Application.
   * @default - Argo CD's own (foreground)
   */
  readonly prunePropagationPolicy?: 'foreground' | 'background' | 'orphan';
  /**
   * Apply only the objects that are out of sync (`ApplyOutOfSyncOnly=true`): the sync then waits
   * only for the health of what it changes, never for objects it leaves as they are.
   * @default false
   */
  readonly applyOutOfSyncOnly?: boolean;
  /**
   * Whether only a person may delete the Application (`Prune=false` on it): the app-of-apps root
   * keeps it when git no longer has it, and shows it as needing a prune, until someone deletes it.
   * @default false
   */
  readonly manualRemoval?: boolean;
  /**
   * Labels on the Application.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations on the Application (e.g. Argo CD notification subscriptions).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * An Argo CD Application set up as Argo CD recommends for production: the
 * resources finalizer (deleting the Application deletes what it deployed),
 * `manifest-generate-paths` naming its own folder (a commit elsewhere does not regenerate it),
 * retry with exponential backoff, `CreateNamespace=true`, prune last, and automated
 * prune + self-heal or manual sync.
 */
export class ArgoApplication extends Construct {
  /** Name of the Application. */
  public readonly applicationName: string;
  /** The generated Application object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoApplicationProps) {
    super(scope, id);
    this.applicationName = props.name;
    const manifests = props.manifests;
    const createNamespace = props.createNamespace ?? true;
    const ignoreDifferences = (): ApplicationSpecIgnoreDifferences[] | undefined =>
      manifests ? replicaDifferences(manifests) : undefined;

    this.resource = new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE,
        labels: props.labels,
        // A commit to another folder of the envs repo (another tenant's) leaves this Application's cached manifests valid.
        annotations: {
          ...props.annotations,
          [MANIFEST_GENERATE_PATHS_ANNOTATION]: OWN_FOLDER,
          ...(props.manualRemoval ? { [SYNC_OPTIONS_ANNOTATION]: 'Prune=false' } : {}),
        },
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: {
        project: props.project,
        source: { repoUrl: props.source.repoUrl, targetRevision: props.source.revision, path: props.source.path },
        destination: { server: props.destinationServer, namespace: props.destinationNamespace },
        ignoreDifferences: Lazy.any({ produce: ignoreDifferences }),
        syncPolicy: {
          automated: props.sync.isAutomated ? { prune: true, selfHeal: true } : undefined,
          // A sync a person starts (read-only environments) is not retried by itself: a retry re-runs the
          // whole sync, PreSync hooks (AWX provisioning) included, and hides a failed smoke test for minutes.
          retry: props.sync.isAutomated ? { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } } : undefined,
          syncOptions: Lazy.any({
            produce: () => [
              ...(createNamespace ? ['CreateNamespace=true'] : []),
              ...(props.pruneLast ?? true ? ['PruneLast=true'] : []),
              ...(props.prunePropagationPolicy ? [`PrunePropagationPolicy=${props.prunePropagationPolicy}`] : []),
              ...(props.applyOutOfSyncOnly ? ['ApplyOutOfSyncOnly=true'] : []),
              // Without it a sync would still write the ignored fields back.
              ...(ignoreDifferences()?.length ? ['RespectIgnoreDifferences=true'] : []),
            ],
          }),
        },
      },
    });
  }
}

/** One `/spec/replicas` entry per workload under `scope` whose replicas an autoscaler owns. */
function replicaDifferences(scope: IConstruct): ApplicationSpecIgnoreDifferences[] | undefined {
  const entries = scope.node.findAll().filter(isReplicasOwnedElsewhere).map((w: ApiObject) => ({
    group: w.apiGroup === 'core' ? '' : w.apiGroup,
    kind: w.kind,
    name: w.name,
    namespace: w.metadata.namespace,
    jsonPointers: ['/spec/replicas'],
  }));
  return entries.length > 0 ? entries : undefined;
}
