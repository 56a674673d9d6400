import * as fs from 'fs';
import * as path from 'path';
import { git, redactUrl, tryGit } from '../git/git';
import { apiGroupOf, CLUSTER_SCOPED_KINDS } from '../validate/model/kinds';
import { PREVIEW_NAMESPACED_KINDS } from '../tenant/tenant-kinds';
import { previewBranch, previewName, previewNamespacePrefix, pullRequestNumber } from '../layout/preview-names';
import { projectOf, ProjectLocation } from '../project/project';
import { renderPreview } from '../project/synth-project';
import type { RenderedFile } from '../render/render';
import { cloneTo, emptyWorkTree, switchTo } from './envs-checkout';
import { sourceOf } from './publish-source';
import { WorkflowError } from './workflow-error';

/** Options of {@link publishPreview} and {@link closePreview}. */
export interface PreviewOptions extends ProjectLocation {
  /** The envs repo to push the preview branch to: its URL, or the path of a repository. */
  readonly repo: string;
  /** The pull request. */
  readonly pullRequest: number;
}

/** What {@link publishPreview} did. */
export interface PublishPreviewResult {
  /** The preview environment, `pr-<number>`. */
  readonly preview: string;
  /** The envs repo branch it is on, `preview/pr-<number>`. */
  readonly branch: string;
  /** False when the branch already held exactly this preview. */
  readonly committed: boolean;
  /**
   * The new commit on the branch.
   * @default - none: nothing was committed
   */
  readonly commit?: string;
  /** Files of the preview. */
  readonly files: number;
  /** The hosts its Ingresses serve, sorted: what a reviewer opens. */
  readonly hosts: readonly string[];
}

/**
 * Renders pull request `pullRequest`'s preview (see `renderPreview`: validated as every environment
 * is) and pushes its workload folders (`pr-<n>/platform/`, `pr-<n>/tenants/`) to the envs repo's
 * branch `preview/pr-<n>`, a history of its own that no environment deploys; the ApplicationSet of
 * the environment that runs previews syncs it. Refuses, before anything is pushed, any object outside
 * the preview's namespaces or of a kind its AppProject does not allow. The source tree must be
 * committed: the commit records the source commit it was rendered from. Never touches another branch.
 */
export function publishPreview(options: PreviewOptions): PublishPreviewResult {
  const n = pullRequestNumber(options.pullRequest);
  const project = projectOf(options);
  const source = sourceOf(project);
  const rendered = renderPreview({ ...options, pullRequest: n });
  const files = previewFiles(rendered.files, n);
  const branch = previewBranch(n);
  const checkout = cloneTo(options.repo);
  try {
    switchTo(checkout, branch, true, true);
    // The branch holds the preview's folder and nothing else (a new one starts from the clone's files).
    emptyWorkTree(checkout);
    for (const file of files) {
      fs.mkdirSync(path.join(checkout, path.dirname(file.path)), { recursive: true });
      fs.writeFileSync(path.join(checkout, file.path), file.content);
    }
    git(checkout, ['add', '--all', '--', '.']);
    const hosts = hostsOf(files);
    const unchanged = tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD']) !== undefined
      && git(checkout, ['diff', '--cached', '--name-only', 'HEAD', '--']).trim() === '';
    if (unchanged) return { preview: previewName(n), branch, committed: false, files: files.length, hosts };
    const message = `Preview ${previewName(n)} of ${source.commit.slice(0, 12)}\n\n`
      + `Pull-Request: ${n}\nSource-Commit: ${source.commit}\nSource-Repo: ${source.repo}\nSource-Author: ${source.author}\n`;
    git(checkout, ['commit', '--quiet', '--file=-'], { input: message });
    const commit = git(checkout, ['rev-parse', 'HEAD']).trim();
    try {
      git(checkout, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (e) {
      throw new WorkflowError(`the push of ${branch} to ${redactUrl(options.repo)} failed (a newer run of this pull request may have pushed first; run it again): ${(e as Error).message}`, { cause: e });
    }
    return { preview: previewName(n), branch, committed: true, commit, files: files.length, hosts };
  } finally {
    fs.rmSync(path.dirname(checkout), { recursive: true, force: true });
  }
}

/**
 * Deletes the envs repo's branch of pull request `pullRequest`'s preview, when it has one (after the
 * pull request closed: its Application, and with it everything the preview created, is already gone
 * when the ApplicationSet no longer lists the pull request). Returns whether a branch was deleted.
 */
export function closePreview(options: Pick<PreviewOptions, 'repo' | 'pullRequest'>): boolean {
  const branch = previewBranch(pullRequestNumber(options.pullRequest));
  const repo = fs.existsSync(options.repo) ? path.resolve(options.repo) : options.repo;
  // `--`: a repository argument that reads like an option is a path to git, never an option.
  const listed = git(process.cwd(), ['ls-remote', '--heads', '--', repo, `refs/heads/${branch}`]).trim();
  if (listed === '') return false;
  try {
    git(process.cwd(), ['push', '--quiet', '--', repo, `:refs/heads/${branch}`]);
  } catch (e) {
    throw new WorkflowError(`cannot delete ${branch} of ${redactUrl(options.repo)}: ${(e as Error).message}`, { cause: e });
  }
  return true;
}

/**
 * The files a preview publishes: its workload folders, each object checked to stay within the
 * preview (namespaced objects in `pr-<n>-*` namespaces, of the kinds the previews' AppProject allows;
 * cluster-scoped only its own Namespaces). The check repeats the AppProject's on purpose: a preview is
 * rendered by a pull request's code, and nothing outside it must be pushed, even to its own branch.
 */
export function previewFiles(files: readonly RenderedFile[], n: number): RenderedFile[] {
  const name = previewName(n);
  const prefix = previewNamespacePrefix(n);
  const allowed = new Set(PREVIEW_NAMESPACED_KINDS.map((k) => `${k.group}/${k.kind}`));
  const out = files.filter((f) => f.path.startsWith(`${name}/platform/`) || f.path.startsWith(`${name}/tenants/`));
  for (const { path: file, object } of out) {
    const group = apiGroupOf(object.apiVersion);
    const { name: objectName, namespace } = object.metadata;
    const problem = CLUSTER_SCOPED_KINDS.has(object.kind)
      ? (object.kind === 'Namespace' && objectName.startsWith(prefix) ? undefined : `is cluster-scoped; a preview creates only its own Namespaces (${prefix}*)`)
      : !namespace?.startsWith(prefix) ? `is in namespace ${namespace ?? '(none)'}, not one of the preview's (${prefix}*)`
        : !allowed.has(`${group}/${object.kind}`) ? 'is of a kind the previews\' AppProject does not allow' : undefined;
    if (problem) throw new WorkflowError(`${file}: ${object.kind} ${objectName} ${problem}; nothing was pushed`);
  }
  return out;
}

/** The hosts the preview's Ingresses serve. */
function hostsOf(files: readonly RenderedFile[]): string[] {
  const hosts = files.filter((f) => f.object.kind === 'Ingress')
    .flatMap((f) => ((f.object as any).spec?.rules ?? []).map((r: any) => String(r?.host ?? '')))
    .filter((h) => h !== '');
  return [...new Set(hosts)].sort();
}
