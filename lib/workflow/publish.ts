import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadEnvironments } from '../config/load';
import { displayPath } from '../files';
import { checkBranchName, diffNameStatus, git, redactUrl, repoRoot, tryGit } from '../git/git';
import { checkOutput } from '../synth';
import { compareStrings } from '../sort';
import { commitMessage, PublishedEnvironment, PublishSource, summarize } from './publish-summary';
import {
  checkBranchIsRead, checkForward, checkNotAhead, checkOnPublishedBranch, checkProdChanges, checkRollbackReason, isDowngrade, lastPublishedSource, PublishDirection,
} from './publish-guard';
import { environmentGuards } from './promotion-check';
import { WorkflowError } from './workflow-error';

export type { PublishedEnvironment, PublishSource } from './publish-summary';
export type { PublishDirection, PublishedVersionChange } from './publish-guard';

/** Options of {@link publish}. */
export interface PublishOptions {
  /**
   * Project folder (inside the source git repository).
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /**
   * Output folder to publish, relative to the project.
   * @default 'dist'
   */
  readonly outDir?: string;
  /** The envs repo: a path to a clean checkout, or a URL to clone. */
  readonly repo: string;
  /**
   * Branch of the envs repo to commit to.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * The source repo's branch that publish takes commits from: the source commit must be on it.
   * @default - the default branch of the source repo's `origin` (`main` without a remote)
   */
  readonly sourceBranch?: string;
  /**
   * Reason for publishing a source commit older than (or unrelated to) the last published one:
   * without it such a publish is refused; with it the envs commit records it (`Rollback:`).
   * @default - none: only forward
   */
  readonly rollback?: string;
  /**
   * Allows lower component versions in a read-only environment (prod); they are listed in the commit.
   * @default false
   */
  readonly allowDowngrade?: boolean;
  /**
   * Allows tenants to disappear from a read-only environment (prod); they are listed in the commit.
   * @default false
   */
  readonly allowProdRemoval?: boolean;
}

/** What {@link publish} did. */
export interface PublishResult {
  /** False when the envs repo already held exactly this output. */
  readonly committed: boolean;
  /**
   * The new commit in the envs repo.
   * @default - none: nothing was committed
   */
  readonly commit?: string;
  /** Whether it was pushed to the envs repo's `origin`. */
  readonly pushed: boolean;
  /**
   * The commit message.
   * @default - none: nothing was committed
   */
  readonly message?: string;
  /** What changed, per environment with changes. */
  readonly environments: readonly PublishedEnvironment[];
  /**
   * How the source commit relates to the last published one: `first`, `same`, `forward`, or (with
   * `rollback`) `backward` or `unrelated`.
   * @default - none: nothing was committed
   */
  readonly direction?: PublishDirection;
}

/**
 * Writes the output into the envs repo (one folder per environment, replaced
 * whole), commits with a message that records who, what, when and the source
 * commit, and pushes when the repo has a remote. Nothing changed: no commit.
 * Refuses an envs checkout with uncommitted changes, a source tree with
 * uncommitted changes, an output that is not what the sources produce, and an
 * output folder holding anything but the folders of the project's environments.
 * Guard rails: the source commit must be on the source repo's published branch
 * and come after the last published `Source-Commit` (an older or unrelated one
 * needs `rollback`, recorded in the message); a read-only environment (prod)
 * may not lose tenants or go to lower versions without `allowProdRemoval` /
 * `allowDowngrade`, and what they allowed is listed in the message.
 * On any failure a local envs checkout is left as it was found (branch, commit,
 * index and files), so a retry publishes again; a refused push is undone locally.
 * Credentials in a repository URL never appear in its messages or commits.
 */
export function publish(options: PublishOptions): PublishResult {
  try {
    return publishOutput(options);
  } catch (e) {
    throw redactError(e);
  }
}

function publishOutput(options: PublishOptions): PublishResult {
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  const outDir = path.resolve(projectDir, options.outDir ?? 'dist');
  const branch = options.branch ?? 'main';
  // Before any git call: a branch like "--upload-pack=..." must never reach git as an option.
  checkBranchName(branch);
  if (options.sourceBranch !== undefined) checkBranchName(options.sourceBranch);
  checkRollbackReason(options.rollback);
  const source = sourceOf(projectDir, outDir);
  const publishedBranch = checkOnPublishedBranch(source.root, source.commit, options.sourceBranch);
  const { present: environments, readOnly, revisions } = environmentFolders(projectDir, outDir);
  checkBranchIsRead(branch, revisions);
  const current = checkOutput({ projectDir, outDir });
  if (!current.upToDate) {
    const differ = current.missing.length + current.extra.length + current.changed.length;
    throw new WorkflowError(`${path.relative(projectDir, outDir) || outDir}/ is not what the sources produce (${differ} file${differ === 1 ? ' differs' : 's differ'}): run synth and commit first`);
  }

  // A folder with a work tree is a checkout to publish into; anything else (a URL, a bare repository) is cloned.
  const isLocal = fs.existsSync(options.repo) && fs.statSync(options.repo).isDirectory()
    && tryGit(options.repo, ['rev-parse', '--is-inside-work-tree'])?.trim() === 'true';
  const checkout = isLocal ? path.resolve(options.repo) : cloneTo(options.repo);
  try {
    return publishInto(checkout, outDir, { environments, readOnly, branch, source: { ...source, branch: publishedBranch }, options }, isLocal);
  } finally {
    if (!isLocal) fs.rmSync(path.dirname(checkout), { recursive: true, force: true });
  }
}

/** The same error with URL credentials masked in its message and stack. */
function redactError(e: unknown): unknown {
  if (!(e instanceof Error)) return new Error(redactUrl(String(e)));
  const message = redactUrl(e.message);
  if (message !== e.message) {
    e.message = message;
    if (e.stack) e.stack = redactUrl(e.stack);
  }
  return e;
}

/**
 * The environment folders of `outDir` to publish: those of the project's environment files.
 * Each is replaced whole in the envs repo, so anything else at the top of `outDir` (a `.git`
 * folder, a file, a symbolic link) is refused rather than copied over the envs checkout, and
 * inside them only folders and regular files are accepted (a symbolic link would be published
 * as a link to whatever it names on the machine that syncs).
 */
function environmentFolders(projectDir: string, outDir: string): { present: string[]; readOnly: Set<string>; revisions: Map<string, string> } {
  const shown = displayPath(projectDir, outDir);
  // Environment names are DNS labels (the schema checks them): never ".git", "..", or a path.
  const envs = loadEnvironments({ environmentsDir: path.join(projectDir, 'environments'), displayRoot: projectDir });
  const names = envs.map((e) => e.name);
  const stat = fs.lstatSync(outDir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new WorkflowError(`${shown} is ${!stat ? 'missing' : stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: publish copies the folder synth writes; run synth and commit first`);
  }
  const known = new Set(names);
  const entries = fs.readdirSync(outDir, { withFileTypes: true });
  const foreign = entries.filter((e) => !(e.isDirectory() && known.has(e.name))).map((e) => e.name).sort(compareStrings);
  if (foreign.length > 0) {
    throw new WorkflowError(`${shown}/ holds ${foreign.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}, which ${foreign.length === 1 ? 'is' : 'are'} not the folder of an environment (${names.join(', ')}); publish replaces each folder it copies in the envs repo, so it copies nothing else: remove ${foreign.length === 1 ? 'it' : 'them'} and run synth`);
  }
  const present = names.filter((n) => entries.some((e) => e.name === n)).sort(compareStrings);
  for (const env of present) {
    const odd = oddEntry(outDir, env);
    if (odd) throw new WorkflowError(`${shown}/${odd.path} is ${odd.kind}; publish copies only folders and regular files: remove it and run synth`);
  }
  // Read-only now or ever: prod's file edited to mode: full still guards prod.
  const guards = environmentGuards({ projectDir, environments: envs });
  return {
    present,
    readOnly: new Set(envs.filter((e) => guards.get(e.name)?.everReadOnly).map((e) => e.name)),
    revisions: new Map(envs.filter((e) => present.includes(e.name)).map((e) => [e.name, e.repo.revision])),
  };
}

/** The first entry under `outDir/dir` that is neither a folder nor a regular file. */
function oddEntry(outDir: string, dir: string): { path: string; kind: string } | undefined {
  for (const e of fs.readdirSync(path.join(outDir, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      const found = oddEntry(outDir, rel);
      if (found) return found;
    } else if (!e.isFile()) {
      return { path: rel, kind: e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file' };
    }
  }
  return undefined;
}

interface SourceInfo extends PublishSource {
  readonly root: string;
}

function sourceOf(projectDir: string, outDir: string): SourceInfo {
  const root = repoRoot(projectDir);
  if (!root) throw new WorkflowError(`${projectDir} is not in a git repository: publish records the source commit`);
  // Any change to a tracked file blocks (the recorded commit must be what was rendered); an untracked
  // file only when synth reads or writes it: the project's environments/, tenants/ and output.
  const project = fs.realpathSync(projectDir);
  const output = fs.existsSync(outDir) ? fs.realpathSync(outDir) : outDir;
  const read = [path.join(project, 'environments'), path.join(project, 'tenants'), output]
    .map((p) => path.relative(root, p)).filter((rel) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel));
  const tracked = git(root, ['status', '--porcelain', '--untracked-files=no', '--', '.']).split('\n').filter(Boolean);
  const untracked = read.length === 0 ? [] : git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...read])
    .split('\n').filter((l) => l.startsWith('??'));
  const dirty = [...tracked, ...untracked];
  if (dirty.length > 0) {
    throw new WorkflowError(`the source repository has uncommitted changes; commit them so the envs repo can record the commit it came from:\n${dirtyListing(dirty)}`);
  }
  return {
    root,
    // Recorded in the envs repo's history: a token in the remote URL must not be.
    repo: redactUrl(tryGit(root, ['remote', 'get-url', 'origin'])?.trim() || root),
    commit: git(root, ['rev-parse', 'HEAD']).trim(),
    author: git(root, ['log', '-1', '--format=%an <%ae>']).trim(),
  };
}

/** `git status --porcelain` lines as an aligned list a person reads: `  modified   environments/dev.yaml`. */
function dirtyListing(lines: readonly string[]): string {
  const what = (xy: string) => (xy === '??' ? 'untracked' : xy.includes('D') ? 'deleted' : xy.includes('A') ? 'added' : xy.includes('R') ? 'renamed' : 'modified');
  const shown = lines.slice(0, 20).map((l) => `  ${what(l.slice(0, 2)).padEnd(10)} ${l.slice(3)}`);
  return [...shown, ...(lines.length > 20 ? [`  ... and ${lines.length - 20} more`] : [])].join('\n');
}

function cloneTo(url: string): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-envs-'));
  const dir = path.join(parent, 'envs');
  // A path (e.g. a bare repository) is cloned from where the user stands, not from the temp folder.
  const source = fs.existsSync(url) ? path.resolve(url) : url;
  try {
    git(parent, ['clone', '--quiet', '--', source, dir]);
  } catch (e) {
    fs.rmSync(parent, { recursive: true, force: true });
    throw new WorkflowError(`cannot clone the envs repo ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return dir;
}

/** What one publish writes, and from where. */
interface PublishPlan {
  readonly environments: readonly string[];
  readonly readOnly: ReadonlySet<string>;
  readonly branch: string;
  readonly source: SourceInfo;
  readonly options: PublishOptions;
}

function publishInto(checkout: string, outDir: string, plan: PublishPlan, isLocal: boolean): PublishResult {
  const { environments, branch } = plan;
  if (repoRoot(checkout) !== fs.realpathSync(checkout)) {
    throw new WorkflowError(`${checkout} is not the top of a git checkout of the envs repo`);
  }
  if (isLocal) {
    const dirty = git(checkout, ['status', '--porcelain']).trim();
    if (dirty) throw new WorkflowError(`the envs checkout ${checkout} has uncommitted changes; publish will not touch it:\n${dirty.split('\n').slice(0, 10).map((l) => `  ${l}`).join('\n')}`);
  }
  // A clone is deleted after the run; a local checkout is put back as it was if anything fails.
  const start = isLocal ? checkoutState(checkout, branch) : undefined;
  try {
    return commitAndPush(checkout, outDir, plan);
  } catch (e) {
    if (!start) throw e;
    try {
      restore(checkout, branch, start, environments);
    } catch (r) {
      throw new WorkflowError(`${(e as Error).message}\nand the envs checkout ${checkout} could not be put back as it was (${(r as Error).message}): check it before the next publish`);
    }
    throw e;
  }
}

function commitAndPush(checkout: string, outDir: string, plan: PublishPlan): PublishResult {
  const { environments, branch, source, options } = plan;
  const hasRemote = git(checkout, ['remote']).split('\n').includes('origin');
  checkNotAhead(checkout, branch, switchTo(checkout, branch, hasRemote));
  const hadCommits = tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD']) !== undefined;
  const last = lastPublishedSource(checkout);
  const direction = checkForward(source.root, source.commit, last, options.rollback);

  for (const env of environments) {
    fs.rmSync(path.join(checkout, env), { recursive: true, force: true });
    fs.cpSync(path.join(outDir, env), path.join(checkout, env), { recursive: true });
  }
  git(checkout, ['add', '--all', '--', ...environments]);
  const changes = diffNameStatus(checkout, ['--cached', '--', ...environments]);
  if (changes.length === 0) return { committed: false, pushed: false, environments: [] };

  const summary = environments
    .map((env) => summarize(checkout, env, plan.readOnly.has(env), changes.filter((c) => c.path.startsWith(`${env}/`)), hadCommits))
    .filter((s) => s.files > 0);
  const prod = summary.filter((e) => e.readOnly);
  const guarded = {
    downgrades: prod.flatMap((e) => e.versions.filter(isDowngrade).map((v) => `${e.environment} ${v.component} ${v.from} -> ${v.to}`)),
    removals: prod.flatMap((e) => e.tenantsRemoved.map((t) => `${e.environment} ${t}`)),
  };
  checkProdChanges(guarded, { downgrade: options.allowDowngrade, removal: options.allowProdRemoval });
  const publisher = git(checkout, ['var', 'GIT_AUTHOR_IDENT']).trim().replace(/ \d+ [+-]\d{4}$/, '');
  const message = commitMessage(source, publisher, summary, {
    ...guarded, rollback: options.rollback, rolledBackFrom: options.rollback !== undefined ? last?.sourceCommit : undefined,
  });
  git(checkout, ['commit', '--quiet', '--file=-'], { input: message });
  const commit = git(checkout, ['rev-parse', 'HEAD']).trim();
  if (hasRemote) {
    try {
      git(checkout, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (e) {
      // The caller undoes the local commit: a kept one would make the next publish see nothing to do.
      throw new WorkflowError(`the push to origin (branch ${branch}) failed, so nothing was published; the commit was not kept, run publish again once the remote accepts it:\n${(e as Error).message}`);
    }
  }
  return { committed: true, commit, pushed: hasRemote, message, environments: summary, direction };
}

/** Where a local envs checkout stood before publish: what {@link restore} puts back. */
interface CheckoutState {
  /** The branch HEAD named (`refs/heads/x`), or undefined when HEAD was detached. */
  readonly symbolic?: string;
  /** The commit HEAD was on, or undefined on an unborn branch (an empty repository). */
  readonly head?: string;
  /** Where the branch to publish to pointed, or undefined when it did not exist. */
  readonly branchTip?: string;
}

function checkoutState(checkout: string, branch: string): CheckoutState {
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
function restore(checkout: string, branch: string, start: CheckoutState, environments: readonly string[]): void {
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
 * @returns the commit of `origin/<branch>` it followed, or undefined when there is none
 */
function switchTo(checkout: string, branch: string, hasRemote: boolean): string | undefined {
  // A full refspec: git cannot read it as an option.
  if (hasRemote) tryGit(checkout, ['fetch', '--quiet', 'origin', '--', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  const remoteHead = hasRemote ? tryGit(checkout, ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`])?.trim() : undefined;
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
