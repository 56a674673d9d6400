import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { escapeRegExp } from '../config/names';
import { PREVIEW_BRANCH_PREFIX, PREVIEW_NAMESPACE_PREFIX } from '../layout/preview-names';
import { MANIFEST_GENERATE_PATHS_ANNOTATION, OWN_FOLDER, RESOURCES_FINALIZER, SYNC_RETRY, SYNC_WAVE_ANNOTATION } from './sync-policy';

/** The pull request number as the Pull Request generator gives it (fasttemplate, `goTemplate: false`). */
export const PULL_REQUEST_PLACEHOLDER = '{{number}}';

/** Annotation of a preview Application: the source repository its pull request is in (where its status is reported). */
export const PREVIEW_SOURCE_REPO_ANNOTATION = 'stoa.io/pull-request-repo';

/** Label of every preview Application: the pull request number. */
export const PREVIEW_LABEL = 'stoa.io/pull-request';

/** A Secret key in Argo CD's namespace. */
export interface ArgoSecretKeyRef {
  /** Name of the Secret. */
  readonly name: string;
  /** Key in it. */
  readonly key: string;
}

/** The git hosting service whose pull requests get previews: exactly one of the fields. */
export interface PullRequestSource {
  /**
   * A GitHub repository.
   * @default - not GitHub
   */
  readonly github?: { readonly owner: string; readonly repo: string; readonly api?: string };
  /**
   * A GitLab project (its id or path).
   * @default - not GitLab
   */
  readonly gitlab?: { readonly project: string; readonly api?: string };
  /**
   * A Gitea repository.
   * @default - not Gitea
   */
  readonly gitea?: { readonly owner: string; readonly repo: string; readonly api: string };
}

/** Props of {@link PreviewApplicationSet}. */
export interface PreviewApplicationSetProps {
  /** Name of the ApplicationSet. */
  readonly name: string;
  /** Namespace Argo CD runs in. */
  readonly argocdNamespace: string;
  /** The envs repo, whose `preview/pr-<number>` branches hold the rendered previews. */
  readonly repoUrl: string;
  /** API server of the cluster the previews run in. */
  readonly clusterServer: string;
  /** The AppProject every preview Application is in: a fixed name, never one a pull request chooses. */
  readonly project: string;
  /** Where the pull requests are. */
  readonly pullRequests: PullRequestSource;
  /** The Secret holding the git hosting service's API token. */
  readonly tokenSecret: ArgoSecretKeyRef;
  /** Only pull requests with all these labels get a preview. */
  readonly labels: readonly string[];
  /** Seconds between two polls of the pull requests. */
  readonly pollSeconds: number;
  /**
   * Only pull requests into this branch get a preview (the branch CI publishes previews of).
   * @default 'main'
   */
  readonly targetBranch?: string;
  /**
   * The source repository's web address, recorded on each preview Application for the status report.
   * @default - none: no status is reported
   */
  readonly sourceRepoUrl?: string;
  /**
   * Annotations of each preview Application (notification subscriptions).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Sync wave of the ApplicationSet in the app-of-apps.
   * @default - none (wave 0)
   */
  readonly syncWave?: number;
}

/**
 * One ApplicationSet whose Pull Request generator makes an Application `pr-<number>` for every open
 * pull request carrying the labels. Each syncs the envs repo's branch `preview/pr-<number>` (folder
 * `pr-<number>/`, which `publish --preview` writes) into the preview's cluster, in one AppProject
 * named here, never by the pull request: Argo CD's own advice, since a pull request that chose the
 * project could reach anything a project allows. Closing the pull request (or removing its label)
 * deletes the Application, and its resources finalizer deletes everything the preview created.
 */
export class PreviewApplicationSet extends Construct {
  constructor(scope: Construct, id: string, props: PreviewApplicationSetProps) {
    super(scope, id);
    const n = PULL_REQUEST_PLACEHOLDER;
    const name = `${PREVIEW_NAMESPACE_PREFIX}${n}`;
    new ApiObject(this, 'Resource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace,
        annotations: props.syncWave === undefined ? undefined : { [SYNC_WAVE_ANNOTATION]: String(props.syncWave) },
      },
      spec: {
        goTemplate: false,
        generators: [{ pullRequest: {
          ...providerOf(props),
          // Anchored: the filter is a regular expression.
          filters: [{ targetBranchMatch: `^${escapeRegExp(props.targetBranch ?? 'main')}$` }],
          requeueAfterSeconds: props.pollSeconds,
        } }],
        template: {
          metadata: {
            name,
            labels: { 'app.kubernetes.io/managed-by': 'stoa-manifests', [PREVIEW_LABEL]: n },
            annotations: {
              [MANIFEST_GENERATE_PATHS_ANNOTATION]: OWN_FOLDER,
              ...(props.sourceRepoUrl ? { [PREVIEW_SOURCE_REPO_ANNOTATION]: props.sourceRepoUrl } : {}),
              ...props.annotations,
            },
            // A closed pull request's Application is deleted; this deletes what its preview created.
            finalizers: [RESOURCES_FINALIZER],
          },
          spec: {
            project: props.project,
            source: { repoURL: props.repoUrl, targetRevision: `${PREVIEW_BRANCH_PREFIX}${name}`, path: name, directory: { recurse: true } },
            // Every object names its namespace (pr-<number>-...); this is only the default.
            destination: { server: props.clusterServer, namespace: `${name}-stoa-system` },
            // Replicas belong to the autoscalers: a preview never fights them.
            ignoreDifferences: [
              { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
              { group: 'argoproj.io', kind: 'Rollout', jsonPointers: ['/spec/replicas'] },
            ],
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
              syncOptions: ['RespectIgnoreDifferences=true'],
            },
          },
        },
      },
    });
  }
}

/** The generator's provider block: the service, its API, the token's Secret and the label filter. */
function providerOf(props: PreviewApplicationSetProps): Record<string, unknown> {
  const tokenRef = { secretName: props.tokenSecret.name, key: props.tokenSecret.key };
  const labels = [...props.labels];
  const { github, gitlab, gitea } = props.pullRequests;
  const given = [github, gitlab, gitea].filter((p) => p !== undefined).length;
  if (given !== 1) throw new Error(`ApplicationSet ${props.name}: pullRequests must name exactly one of github, gitlab, gitea (got ${given})`);
  if (github) return { github: { owner: github.owner, repo: github.repo, api: github.api, tokenRef, labels } };
  if (gitlab) return { gitlab: { project: gitlab.project, api: gitlab.api, tokenRef, labels, pullRequestState: 'opened' } };
  return { gitea: { owner: gitea!.owner, repo: gitea!.repo, api: gitea!.api, tokenRef, labels } };
}
