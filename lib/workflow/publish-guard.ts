import * as semver from 'semver';
import { plainText } from '../config/input-file';
import { checkBranchName, git, isAncestor, tryGit } from '../git/git';
import { WorkflowError } from './workflow-error';

/**
 * The guard rails of publish: only a commit of the source repo's published branch,
 * only forward from the last published one, and nothing destructive in a read-only
 * environment (prod) unless the caller says so. Each refusal says how to do it on purpose.
 */

/** Where the published branch of the source repo is: `refs/remotes/origin/<b>`, or `refs/heads/<b>` without a remote. */
export function publishedBranchRef(root: string, sourceBranch: string | undefined): { ref: string; shown: string } {
  if (sourceBranch !== undefined) checkBranchName(sourceBranch);
  const hasOrigin = (tryGit(root, ['remote']) ?? '').split('\n').includes('origin');
  if (!hasOrigin) {
    const branch = sourceBranch ?? 'main';
    return { ref: `refs/heads/${branch}`, shown: branch };
  }
  const branch = sourceBranch ?? originDefaultBranch(root);
  return { ref: `refs/remotes/origin/${branch}`, shown: `origin/${branch}` };
}

/** The default branch of `origin`: from `origin/HEAD`, else asked of the remote, else `main`. */
function originDefaultBranch(root: string): string {
  const local = tryGit(root, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD'])?.trim();
  if (local?.startsWith('refs/remotes/origin/')) return local.slice('refs/remotes/origin/'.length);
  const remote = tryGit(root, ['ls-remote', '--symref', 'origin', 'HEAD'])?.match(/^ref: refs\/heads\/(\S+)\tHEAD$/m)?.[1];
  if (remote) {
    checkBranchName(remote);
    return remote;
  }
  return 'main';
}

/**
 * Refuses a source commit that is not on the published branch (an unpushed or unmerged one would
 * be recorded as `Source-Commit` while existing nowhere else).
 */
export function checkOnPublishedBranch(root: string, commit: string, sourceBranch: string | undefined): void {
  const { ref, shown } = publishedBranchRef(root, sourceBranch);
  const tip = tryGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])?.trim();
  if (!tip) {
    throw new WorkflowError(`the published branch ${shown} is not in the source repository: ${ref.startsWith('refs/remotes/') ? `fetch it (git fetch origin) or name the branch with --source-branch` : 'name the branch publish takes its commits from with --source-branch'}`);
  }
  if (!isAncestor(root, commit, tip)) {
    throw new WorkflowError(`the source commit ${commit.slice(0, 12)} is not on ${shown}, the branch publish takes its commits from: merge it there${ref.startsWith('refs/remotes/') ? ' and push' : ''} first (another branch: --source-branch <name>)`);
  }
}

/** The `Source-Commit` of the last publish on the envs branch checked out in `checkout`. */
export function lastPublishedSource(checkout: string): { sourceCommit: string; envsCommit: string } | undefined {
  if (tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD']) === undefined) return undefined;
  const out = git(checkout, ['log', '-1', '-E', '--grep=^Source-Commit: [0-9a-f]{40}$', '--format=%H%n%B', 'HEAD', '--']).trim();
  if (!out) return undefined;
  const [envsCommit, ...body] = out.split('\n');
  const sourceCommit = body.reverse().map((l) => /^Source-Commit: ([0-9a-f]{40})$/.exec(l)?.[1]).find(Boolean);
  return sourceCommit ? { sourceCommit, envsCommit } : undefined;
}

/** How the source commit relates to the last published one. */
export type PublishDirection = 'first' | 'same' | 'forward' | 'backward' | 'unrelated';

/**
 * Refuses to publish a source commit that is older than (an ancestor of) or unrelated to the last
 * published one, unless `rollback` gives the reason. A shallow source clone that lacks the last
 * published commit cannot tell, so it is refused with the way out.
 */
export function checkForward(root: string, commit: string, last: { sourceCommit: string; envsCommit: string } | undefined, rollback: string | undefined): PublishDirection {
  const notBack = (d: PublishDirection) => {
    if (rollback !== undefined) {
      throw new WorkflowError(`--rollback was given, but the source commit ${commit.slice(0, 12)} ${d === 'first' ? 'is the first one published here' : d === 'same' ? 'is the last one published' : `comes after the last published one (${last!.sourceCommit.slice(0, 12)})`}: nothing is rolled back; leave --rollback out`);
    }
    return d;
  };
  if (!last) return notBack('first');
  if (last.sourceCommit === commit) return notBack('same');
  const known = tryGit(root, ['cat-file', '-e', `${last.sourceCommit}^{commit}`]) !== undefined;
  if (!known && tryGit(root, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true') {
    throw new WorkflowError(`cannot tell whether ${commit.slice(0, 12)} comes after the last published source commit ${last.sourceCommit.slice(0, 12)}: the source repository is a shallow clone without it. Fetch the full history (git fetch --unshallow; in GitHub Actions: actions/checkout with fetch-depth: 0) and publish again`);
  }
  const direction: PublishDirection = !known ? 'unrelated'
    : isAncestor(root, last.sourceCommit, commit) ? 'forward'
      : isAncestor(root, commit, last.sourceCommit) ? 'backward' : 'unrelated';
  if ((direction === 'backward' || direction === 'unrelated') && rollback === undefined) {
    const what = direction === 'backward'
      ? `is older than the last published source commit ${last.sourceCommit.slice(0, 12)} (its ancestor): publishing it would roll the environments back`
      : `does not come after the last published source commit ${last.sourceCommit.slice(0, 12)} (${known ? 'neither descends from the other' : 'which this repository does not have'}): publishing it would replace what runs with a different line of history`;
    throw new WorkflowError(`the source commit ${commit.slice(0, 12)} ${what} (envs commit ${last.envsCommit.slice(0, 12)}). Publish a newer commit, or if this is a deliberate rollback: --rollback "<reason>" (recorded in the envs commit)`);
  }
  return direction === 'forward' ? notBack(direction) : direction;
}

/** A `--rollback` reason: one line, said in a few words. */
export function checkRollbackReason(reason: string | undefined): void {
  if (reason === undefined) return;
  const parsed = plainText(200).refine((r) => r.trim().length >= 3, { error: 'must say why, in at least 3 characters' }).safeParse(reason);
  if (!parsed.success) throw new WorkflowError(`--rollback "${reason}": ${parsed.error.issues[0].message}`);
}

/** One component version change of an environment, as published. */
export interface PublishedVersionChange {
  /** The component. */
  readonly component: string;
  /** Version before. */
  readonly from: string;
  /** Version after. */
  readonly to: string;
}

/** Whether `change` goes to a lower version (semver order; digests and other tags have no order, so never). */
export function isDowngrade(change: PublishedVersionChange): boolean {
  const order = (v: string) => (v.startsWith('sha256:') ? null : semver.coerce(v, { loose: true, includePrerelease: true }));
  const from = order(change.from);
  const to = order(change.to);
  return !!from && !!to && semver.lt(to, from);
}

/** What a publish does to a read-only environment that needs the caller's word. */
export interface ProdChanges {
  /** `<env> <component> <from> -> <to>` for every downgrade. */
  readonly downgrades: readonly string[];
  /** `<env> <tenant>` for every tenant removed. */
  readonly removals: readonly string[];
}

/** Refuses downgrades and tenant removals in read-only environments unless each is allowed. */
export function checkProdChanges(changes: ProdChanges, allowed: { readonly downgrade?: boolean; readonly removal?: boolean }): void {
  const refusals: string[] = [];
  if (changes.downgrades.length > 0 && !allowed.downgrade) {
    refusals.push(`it downgrades ${changes.downgrades.join(', ')}: if that is meant, pass --allow-downgrade`);
  }
  if (changes.removals.length > 0 && !allowed.removal) {
    refusals.push(`it removes tenant${changes.removals.length === 1 ? '' : 's'} ${changes.removals.join(', ')} (Argo CD prunes their namespaces and everything in them): if that is meant, pass --allow-prod-removal`);
  }
  if (refusals.length > 0) throw new WorkflowError(`publish refused for a read-only environment: ${refusals.join('; and ')}`);
}
