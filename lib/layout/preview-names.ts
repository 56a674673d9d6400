// The names of a pull request preview, in one place: its environment, its namespaces, its envs repo
// branch and its Argo CD Application. Each is derived from the pull request number only, so two
// previews, or a preview and an environment, can never share one.

/** The name of a preview environment: `pr-<number>`. No environment file may take such a name. */
export const PREVIEW_NAME = /^pr-[0-9]+$/;

/** Highest pull request number accepted (GitHub, GitLab, Gitea and Bitbucket number far below it). */
export const MAX_PULL_REQUEST_NUMBER = 999_999_999;

/** Branches of the envs repo that hold previews: `preview/pr-<number>`. No environment deploys one. */
export const PREVIEW_BRANCH_PREFIX = 'preview/';

/** Default labels a pull request needs for a preview. */
export const DEFAULT_PREVIEW_LABELS: readonly string[] = ['preview'];

/** Default seconds between two polls of the pull requests by the ApplicationSet controller. */
export const DEFAULT_PREVIEW_POLL_SECONDS = 180;

/** Every preview namespace starts with this: `pr-<number>-<namespace>`. */
export const PREVIEW_NAMESPACE_PREFIX = 'pr-';

/** The pull request number, checked: a whole number from 1 to {@link MAX_PULL_REQUEST_NUMBER}. */
export function pullRequestNumber(value: string | number): number {
  const text = String(value);
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new RangeError(`"${text.slice(0, 40)}" is not a pull request number: a whole number from 1 to ${MAX_PULL_REQUEST_NUMBER}`);
  }
  return Number(text);
}

/** The preview environment of pull request `n`: `pr-<n>`. */
export function previewName(n: number): string {
  return `pr-${pullRequestNumber(n)}`;
}

/** The envs repo branch of pull request `n`'s preview: `preview/pr-<n>`. */
export function previewBranch(n: number): string {
  return `${PREVIEW_BRANCH_PREFIX}${previewName(n)}`;
}

/** The prefix of every namespace of pull request `n`'s preview: `pr-<n>-`. */
export function previewNamespacePrefix(n: number): string {
  return `${previewName(n)}-`;
}

/** The trailer of a preview's envs commit that names the source commit it was rendered from. */
export const SOURCE_COMMIT_TRAILER = 'Source-Commit';
