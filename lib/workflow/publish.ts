import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-config';
import { checkBranchName, diffNameStatus, git, redactUrl, repoRoot, tryGit } from '../git/git';
import { mirrorFolder } from '../files';
import { Project, ProjectLocation, projectOf } from '../project/project';
import { checkOutput } from '../project/synth-project';
import { checkoutState, cloneTo, restore, switchTo } from './envs-checkout';
import { commitMessage, PublishedEnvironment, summarize } from './publish-summary';
import {
  checkBranchIsRead, checkForward, checkNoCascadingHandover, checkNotAhead, checkOnPublishedBranch, checkRollbackReason, isDowngrade, lastPublishedSource,
  prodChangeRefusals, PublishDirection, Refusals,
} from './publish-guard';
import { environmentFolders, SourceInfo, sourceOf } from './publish-source';
import { versionsAtLastPublish } from './published-versions';
import { committedOutput } from './audit';
import { envsTrust, signingArgs } from './envs-signing';
import { checkEnvsHead, checkOverrideReason, checkOwnSignature } from './publish-audit';
import { WorkflowError } from './workflow-error';

export type { PublishedEnvironment, PublishSource } from './publish-summary';
export type { PublishDirection, PublishedVersionChange } from './publish-guard';

/**
 * Options of {@link publish}: the project (its folder inside the source git repository; its
 * output folder, relative to the project, is what is published) and the envs repo.
 */
export interface PublishOptions extends ProjectLocation {
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
  /**
   * Reason for publishing over an envs branch whose head fails the audit (a direct push: see
   * docs/audit.md): without it such a publish is refused; with it the envs commit records it
   * (`Audit-Override:`, `Audit-Override-Of:`).
   * @default - none: a failing head is refused
   */
  readonly overrideAudit?: string;
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
 * Every refusal of a step is listed at once, one per line: the option values; then the source
 * (its branch, the branch Argo CD reads, the output); then the envs repo (the direction, the audit of
 * its head, prod's downgrades and removals), each step needing the one before it to pass.
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
  const project = projectOf(options);
  const { projectDir, outDir } = project;
  const branch = options.branch ?? 'main';
  // Before any git call: a branch like "--upload-pack=..." must never reach git as an option.
  const values = new Refusals();
  values.check(() => checkBranchName(branch));
  if (options.sourceBranch !== undefined) values.check(() => checkBranchName(options.sourceBranch!));
  values.check(() => checkRollbackReason(options.rollback));
  values.check(() => checkOverrideReason(options.overrideAudit));
  values.throwIfAny();
  const source = sourceOf(project);
  const { environments: configs, present: environments, readOnly, revisions } = environmentFolders(project);
  const sourceState = new Refusals();
  const publishedBranch = sourceState.check(() => checkOnPublishedBranch(source.root, source.commit, options.sourceBranch));
  sourceState.check(() => checkBranchIsRead(branch, revisions));
  const current = checkOutput(project);
  if (!current.upToDate) {
    const differ = current.missing.length + current.extra.length + current.changed.length;
    sourceState.add(`${path.relative(projectDir, outDir) || outDir}/ is not what the sources produce (${differ} file${differ === 1 ? ' differs' : 's differ'}): run synth and commit first`);
  }
  sourceState.throwIfAny();

  // A folder with a work tree is a checkout to publish into; anything else (a URL, a bare repository) is cloned.
  // Asked with the top of its work tree, which publishInto checks (git fails both outside a work tree).
  const probe = fs.existsSync(options.repo) && fs.statSync(options.repo).isDirectory()
    ? tryGit(options.repo, ['rev-parse', '--is-inside-work-tree', '--show-toplevel']) : undefined;
  const isLocal = probe?.startsWith('true\n') === true;
  const checkout = isLocal ? path.resolve(options.repo) : cloneTo(options.repo);
  try {
    const top = isLocal ? probe!.slice('true\n'.length).trim() : repoRoot(checkout);
    return publishInto(checkout, top, { project, configs, environments, readOnly, branch, source: { ...source, branch: publishedBranch! }, options }, isLocal);
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

/** What one publish writes, and from where. */
interface PublishPlan {
  readonly project: Project;
  /** Every environment of the project, as its file says now. */
  readonly configs: readonly EnvironmentConfig[];
  /** The environments to publish: those with a folder in the output. */
  readonly environments: readonly string[];
  readonly readOnly: ReadonlySet<string>;
  readonly branch: string;
  readonly source: SourceInfo;
  readonly options: PublishOptions;
}

/** Publishes into `checkout`, whose work tree has its top at `top`. */
function publishInto(checkout: string, top: string | undefined, plan: PublishPlan, isLocal: boolean): PublishResult {
  const { environments, branch } = plan;
  if (top !== fs.realpathSync(checkout)) {
    throw new WorkflowError(`${checkout} is not the top of a git checkout of the envs repo: give the folder of a clean checkout (its top), a bare repository, or the repository's URL`);
  }
  if (isLocal) {
    const dirty = git(checkout, ['status', '--porcelain']).trim();
    if (dirty) throw new WorkflowError(`the envs checkout ${checkout} has uncommitted changes; publish will not touch it:\n${dirty.split('\n').slice(0, 10).map((l) => `  ${l}`).join('\n')}`);
  }
  // A clone is deleted after the run; a local checkout is put back as it was if anything fails.
  const start = isLocal ? checkoutState(checkout, branch) : undefined;
  try {
    return commitAndPush(checkout, plan, !isLocal);
  } catch (e) {
    if (!start) throw e;
    try {
      restore(checkout, branch, start, environments);
    } catch (r) {
      throw new WorkflowError(`${(e as Error).message}\nand the envs checkout ${checkout} could not be put back as it was (${(r as Error).message}): check it before the next publish`, { cause: r });
    }
    throw e;
  }
}

/** Commits `plan` in `checkout` and pushes it; `cloned`: the checkout is a clone made just now for this publish. */
function commitAndPush(checkout: string, plan: PublishPlan, cloned: boolean): PublishResult {
  const { project: { outDir }, environments, branch, source, options } = plan;
  const hasRemote = git(checkout, ['remote']).split('\n').includes('origin');
  checkNotAhead(checkout, branch, switchTo(checkout, branch, hasRemote, cloned));
  // The branch's commit now (none on a new branch): what the guards below read, asked once.
  const head = tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim();
  const last = lastPublishedSource(checkout, head);
  // Every refusal from here on is listed at once: a rollback that also fails the audit and downgrades prod says all three.
  const refusals = new Refusals();
  const direction = refusals.check(() => checkForward(source.root, source.commit, last, options.rollback));
  // The head Argo CD deploys must be what the last publish wrote (and signed by a trusted key when the environment files name signers).
  const trust = envsTrust(plan.configs);
  const auditOverride = refusals.check(() => checkEnvsHead(checkout, branch, head, last, trust, committedOutput(source.root, plan.project), options.overrideAudit));

  // Only what changed is written: git then hashes those files alone, not every file of the environment.
  for (const env of environments) mirrorFolder(path.join(outDir, env), path.join(checkout, env));
  git(checkout, ['add', '--all', '--', ...environments]);
  const changes = diffNameStatus(checkout, ['--cached', '--', ...environments]);
  if (changes.length === 0) {
    refusals.throwIfAny();
    return { committed: false, pushed: false, environments: [] };
  }
  refusals.check(() => checkNoCascadingHandover(changes
    .filter((c) => c.status === 'D' && /^[^/]+\/apps\/application-[^/]+\.yaml$/.test(c.path))
    .map((c) => {
      const env = c.path.split('/')[0];
      return {
        environment: env,
        before: git(checkout, ['show', `HEAD:${c.path}`]),
        tenantStays: (tenant: string) => fs.existsSync(path.join(checkout, env, 'tenants', tenant)),
      };
    })));

  // Versions from the environment files: as the last published source commit had them, and now.
  const before = versionsAtLastPublish(source.root, plan.project.environmentsDir, last?.sourceCommit, environments);
  const now = new Map(plan.configs.map((e) => [e.name, e.components]));
  const summary = environments
    .map((env) => summarize(env, plan.readOnly.has(env), changes.filter((c) => c.path.startsWith(`${env}/`)), before.get(env), now.get(env) ?? {}))
    .filter((s) => s.files > 0);
  const prod = summary.filter((e) => e.readOnly);
  const unknownBefore = prod.filter((e) => before.get(e.environment)?.known === false);
  const guarded = {
    downgrades: prod.flatMap((e) => e.versions.filter(isDowngrade).map((v) => `${e.environment} ${v.component} ${v.from} -> ${v.to}`)),
    // A component whose version before cannot be known may be going down: the caller says so on purpose.
    unverified: unknownBefore.flatMap((e) => e.componentsChanged
      .flatMap((c) => { const to = now.get(e.environment)?.[c]; return to === undefined ? [] : [`${e.environment} ${c} ${to}`]; })),
    unverifiedWhy: unknownBefore.map((e) => before.get(e.environment)).find((b): b is { known: false; why: string } => b?.known === false)?.why,
    removals: prod.flatMap((e) => e.tenantsRemoved.map((t) => `${e.environment} ${t}`)),
  };
  for (const refusal of prodChangeRefusals(guarded, { downgrade: options.allowDowngrade, removal: options.allowProdRemoval })) refusals.add(refusal);
  refusals.throwIfAny();
  const publisher = git(checkout, ['var', 'GIT_AUTHOR_IDENT']).trim().replace(/ \d+ [+-]\d{4}$/, '');
  const message = commitMessage(source, publisher, summary, {
    ...guarded, rollback: options.rollback, rolledBackFrom: options.rollback !== undefined ? last?.sourceCommit : undefined, auditOverride,
  });
  // Signed as git is configured to sign (user.signingkey), never with a key of ours.
  git(checkout, ['commit', ...signingArgs(checkout), '--quiet', '--file=-'], { input: message });
  const commit = git(checkout, ['rev-parse', 'HEAD']).trim();
  checkOwnSignature(checkout, commit, trust);
  if (hasRemote) {
    try {
      git(checkout, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (e) {
      // The caller undoes the local commit: a kept one would make the next publish see nothing to do.
      throw new WorkflowError(`the push to origin (branch ${branch}) failed, so nothing was published; the commit was not kept, run publish again once the remote accepts it:\n${(e as Error).message}`, { cause: e });
    }
  }
  return { committed: true, commit, pushed: hasRemote, message, environments: summary, direction };
}
