import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { git, redactUrl, tryGit } from '../git/git';
import { WorkflowError } from './workflow-error';

// The envs repo checkout publish commits in: cloned from a URL, switched to the branch to
// publish to, and put back as it was found when a publish fails.

/**
 * Refuses an envs repo given as a path that does not exist (no scheme, not `user@host:path`): a
 * wrong path is the caller's input, not a failure of git or the network.
 */
export function checkRepoLocation(url: string): void {
  // scheme://, <transport>::<address> (git's remote helpers: its protocol allowlist decides), user@host:path.
  const remote = /^[a-z][a-z0-9+.-]*:(\/\/|:)/i.test(url) || /^[^/@\s]+@[^/:\s]+:/.test(url);
  if (!remote && !fs.existsSync(url)) throw new WorkflowError(`the envs repo ${url} does not exist: give the path of a git repository (a checkout or a bare one) or its URL`);
}

/** Clones the envs repo at `url` into a new temporary folder; the caller deletes its parent. */
export function cloneTo(url: string): string {
  checkRepoLocation(url);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-envs-'));
  const dir = path.join(parent, 'envs');
  // A path (e.g. a bare repository) is cloned from where the user stands, not from the temp folder.
  const source = fs.existsSync(url) ? path.resolve(url) : url;
  try {
    git(parent, ['clone', '--quiet', '--', source, dir]);
  } catch (e) {
    fs.rmSync(parent, { recursive: true, force: true });
    throw new WorkflowError(`cannot clone the envs repo ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  return dir;
}

/** Where a local envs checkout stood before publish: what {@link restore} puts back. */
export interface CheckoutState {
  /** The branch HEAD named (`refs/heads/x`), or undefined when HEAD was detached. */
  readonly symbolic?: string;
  /** The commit HEAD was on, or undefined on an unborn branch (an empty repository). */
  readonly head?: string;
  /** Where the branch to publish to pointed, or undefined when it did not exist. */
  readonly branchTip?: string;
}

/** Where the checkout stands now: what {@link restore} puts back. */
export function checkoutState(checkout: string, branch: string): CheckoutState {
  return {
    symbolic: tryGit(checkout, ['symbolic-ref', '--quiet', 'HEAD'])?.trim(),
    head: tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim(),
    branchTip: tryGit(checkout, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])?.trim(),
  };
}

/**
 * Puts a local envs checkout back to `start` after a failed publish: the branch publish moved
 * (fast-forward, commit) or started goes back to where it was, HEAD to where it was, and the
 * index and the environment folders to that commit (nothing for an unborn branch). Safe because
 * publish refused the checkout unless it was clean: nothing of the user's is lost.
 */
export function restore(checkout: string, branch: string, start: CheckoutState, environments: readonly string[]): void {
  const ref = `refs/heads/${branch}`;
  if (start.branchTip) git(checkout, ['update-ref', ref, start.branchTip]);
  else if (tryGit(checkout, ['rev-parse', '--verify', '--quiet', ref]) !== undefined) git(checkout, ['update-ref', '-d', ref]);
  if (start.symbolic) git(checkout, ['symbolic-ref', 'HEAD', start.symbolic]);
  else if (start.head) git(checkout, ['update-ref', '--no-deref', 'HEAD', start.head]);
  // On an unborn branch this empties the index and removes the files it held.
  git(checkout, ['reset', '--quiet', '--hard']);
  if (environments.length > 0) git(checkout, ['clean', '-fdq', '--', ...environments]);
}

/**
 * Checks out `branch`, following `origin/<branch>` when there is one; an empty repo starts it.
 * @param cloned the checkout is a clone {@link cloneTo} made just now: origin's branches are as a fetch would bring them
 * @returns the commit of `origin/<branch>` it followed, or undefined when there is none
 */
export function switchTo(checkout: string, branch: string, hasRemote: boolean, cloned = false): string | undefined {
  const remoteHead = hasRemote ? fetchRemoteHead(checkout, branch, cloned) : undefined;
  const localExists = tryGit(checkout, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]) !== undefined;
  if (localExists) {
    git(checkout, ['checkout', '--quiet', branch, '--']);
    if (remoteHead) git(checkout, ['merge', '--quiet', '--ff-only', remoteHead]);
  } else if (remoteHead) {
    git(checkout, ['checkout', '--quiet', '-B', branch, remoteHead, '--']);
  } else {
    // An empty repository (or a new branch): start it without history.
    git(checkout, ['checkout', '--quiet', '--orphan', branch]);
  }
  return remoteHead;
}

/**
 * Fetches `branch` of `origin` into `origin/<branch>` and returns its commit, or undefined when the
 * remote has no such branch. A clone made just now (`cloned`) has every branch of origin already:
 * it is not fetched again.
 */
export function fetchRemoteHead(checkout: string, branch: string, cloned = false): string | undefined {
  // A full refspec: git cannot read it as an option.
  if (!cloned) tryGit(checkout, ['fetch', '--quiet', 'origin', '--', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  return tryGit(checkout, ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`])?.trim();
}

/**
 * Empties the index and the work tree of `checkout` (all but `.git`): a branch that holds only what
 * is written next. After `switchTo` onto a new branch, which starts from the clone's files.
 */
export function emptyWorkTree(checkout: string): void {
  git(checkout, ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', '.']);
  for (const entry of fs.readdirSync(checkout)) if (entry !== '.git') fs.rmSync(path.join(checkout, entry), { recursive: true, force: true });
}
