import * as semver from 'semver';
import { parse } from 'yaml';
import { RESOURCES_FINALIZER, syncOptionsOf } from '../argocd/sync-policy';
import { reasonText } from '../config/environment-config';
import { checkBranchName, git, GitInputError, isAncestor, isShallow, tryGit } from '../git/git';
import { WorkflowError } from './workflow-error';

/**
 * The guard rails of publish: only a commit of the source repo's published branch,
 * only forward from the last published one, and nothing destructive in a read-only
 * environment (prod) unless the caller says so. Each refusal says how to do it on purpose,
 * and publish gathers them in {@link Refusals}, so that one run lists every one.
 */

/**
 * The refusals of a publish's checks, gathered so that one run lists all of them, one per line,
 * rather than the first: a rollback that also downgrades prod and removes a tenant says all three.
 */
export class Refusals {
  private readonly messages: string[] = [];

  /**
   * Runs `check` and returns what it returns; a refusal it throws (`WorkflowError`, `GitInputError`)
   * is kept (undefined is returned), anything else is thrown.
   */
  public check<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (e) {
      if (!(e instanceof WorkflowError || e instanceof GitInputError)) throw e;
      this.messages.push(e.message);
      return undefined;
    }
  }

  /** Keeps a refusal. */
  public add(message: string): void {
    this.messages.push(message);
  }

  /** Throws one `WorkflowError` listing every refusal kept so far, if any. */
  public throwIfAny(): void {
    if (this.messages.length === 0) return;
    if (this.messages.length === 1) throw new WorkflowError(this.messages[0]);
    const lines = this.messages.map((m) => `  ${m.replace(/^publish refused: /, '').replace(/^publish refused for (a read-only environment: )/, '$1').replace(/\n/g, '\n    ')}`);
    throw new WorkflowError(`publish refused (${this.messages.length} problems; fix each, or allow it on purpose with the flag it names):\n${lines.join('\n')}`);
  }
}

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
 * @returns the branch as the envs commit records it (`Source-Branch:`), saying when the remote could not be asked
 */
export function checkOnPublishedBranch(root: string, commit: string, sourceBranch: string | undefined): string {
  const { tip, shown, remote, refreshed } = publishedBranchTip(root, sourceBranch);
  if (!isAncestor(root, commit, tip)) {
    throw new WorkflowError(`the source commit ${commit.slice(0, 12)} is not on ${shown}, the branch publish takes its commits from: merge it there${remote ? ' and push' : ''} first (another branch: --source-branch <name>)`);
  }
  return remote && !refreshed ? `${shown} (not refreshed: origin could not be reached, the last fetch was used)` : shown;
}

/**
 * The tip of the published branch of the source repo, as the remote has it now (fetched; without
 * access to the remote, as last fetched). Refused when the repository does not have the branch.
 */
export function publishedBranchTip(root: string, sourceBranch: string | undefined): { tip: string; shown: string; remote: boolean; refreshed: boolean } {
  const { ref, shown } = publishedBranchRef(root, sourceBranch);
  const remote = ref.startsWith('refs/remotes/');
  // The remote's branch as it is now, not as last fetched: a force-push may have dropped the commit,
  // and a local remote-tracking ref can be set by hand. Without access to the remote, the last fetch is all there is.
  const refreshed = remote
    && tryGit(root, ['fetch', '--quiet', '--no-tags', 'origin', '--', `+${ref.replace('refs/remotes/origin/', 'refs/heads/')}:${ref}`]) !== undefined;
  const tip = tryGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])?.trim();
  if (!tip) {
    throw new WorkflowError(`the published branch ${shown} is not in the source repository: ${remote ? `fetch it (git fetch origin) or name the branch with --source-branch` : 'name the branch publish takes its commits from with --source-branch'}`);
  }
  return { tip, shown, remote, refreshed };
}

/** The subject publish writes, as a `git log -E --grep` pattern. */
export const PUBLISH_SUBJECT = '^(Publish|Roll back) [0-9a-f]{12} to ';

/** The `Source-Commit` of the last publish in the history of `head` (the envs branch's commit; undefined when the branch has none yet). */
export function lastPublishedSource(checkout: string, head: string | undefined): { sourceCommit: string; envsCommit: string } | undefined {
  if (head === undefined) return undefined;
  // Only commits publish wrote: the subject it writes, and Source-Commit and Published-By in the trailer block
  // (a "Source-Commit:" line in the body of some other commit is not a publish).
  const log = git(checkout, ['log', '-E', `--grep=${PUBLISH_SUBJECT}`, '--max-count=50', '-z',
    '--format=%H%x01%(trailers:key=Source-Commit,valueonly,separator=%x02)%x01%(trailers:key=Published-By,valueonly)', '--end-of-options', head, '--']);
  for (const record of log.split('\0').filter(Boolean)) {
    const [envsCommit, sources, publishedBy] = record.trim().split('\x01');
    const values = (sources ?? '').split('\x02').map((v) => v.trim()).filter(Boolean);
    if (values.length === 1 && /^[0-9a-f]{40}$/.test(values[0]) && (publishedBy ?? '').trim()) return { sourceCommit: values[0], envsCommit };
  }
  return undefined;
}

/** How the source commit relates to the last published one. */
export type PublishDirection = 'first' | 'same' | 'forward' | 'backward' | 'unrelated';

/**
 * How `commit` relates to the last published source commit: `forward` when it descends from it,
 * `backward` when it is its ancestor, `unrelated` when neither (or this repository lacks it). A
 * shallow source clone that lacks the last published commit cannot tell, so it is refused with the way out.
 */
export function publishDirection(root: string, commit: string, last: { sourceCommit: string; envsCommit: string } | undefined): PublishDirection {
  if (!last) return 'first';
  if (last.sourceCommit === commit) return 'same';
  const known = tryGit(root, ['cat-file', '-e', `${last.sourceCommit}^{commit}`]) !== undefined;
  if (!known && isShallow(root)) {
    throw new WorkflowError(`cannot tell whether ${commit.slice(0, 12)} comes after the last published source commit ${last.sourceCommit.slice(0, 12)}: the source repository is a shallow clone without it. Fetch the full history (git fetch --unshallow; in GitHub Actions: actions/checkout with fetch-depth: 0) and publish again`);
  }
  return !known ? 'unrelated'
    : isAncestor(root, last.sourceCommit, commit) ? 'forward'
      : isAncestor(root, commit, last.sourceCommit) ? 'backward' : 'unrelated';
}

/** Whether publishing in `direction` takes what runs back, or onto another line of history: a rollback. */
export function isRollback(direction: PublishDirection): boolean {
  return direction === 'backward' || direction === 'unrelated';
}

/**
 * Refuses to publish a source commit that is older than (an ancestor of) or unrelated to the last
 * published one, unless `rollback` gives the reason; and a `rollback` reason when nothing goes back.
 */
export function checkForward(root: string, commit: string, last: { sourceCommit: string; envsCommit: string } | undefined, rollback: string | undefined): PublishDirection {
  const direction = publishDirection(root, commit, last);
  if (isRollback(direction) && rollback === undefined) throw new WorkflowError(backwardMessage(root, commit, last!, direction));
  if (!isRollback(direction) && rollback !== undefined) throw new WorkflowError(nothingRolledBack(commit, direction, last));
  return direction;
}

/** Why a publish in `direction` (backward or unrelated) is refused without a rollback reason. */
export function backwardMessage(root: string, commit: string, last: { sourceCommit: string; envsCommit: string }, direction: PublishDirection): string {
  const known = tryGit(root, ['cat-file', '-e', `${last.sourceCommit}^{commit}`]) !== undefined;
  const what = direction === 'backward'
    ? `is older than the last published source commit ${last.sourceCommit.slice(0, 12)} (its ancestor): publishing it would roll the environments back`
    : `does not come after the last published source commit ${last.sourceCommit.slice(0, 12)} (${known ? 'neither descends from the other' : 'which this repository does not have'}): publishing it would replace what runs with a different line of history`;
  return `the source commit ${commit.slice(0, 12)} ${what} (envs commit ${last.envsCommit.slice(0, 12)}). Publish a newer commit, or if this is a deliberate rollback: --rollback "<reason>" (recorded in the envs commit)`;
}

/** Why a rollback reason is refused when the publish goes `direction` (first, same or forward). */
export function nothingRolledBack(commit: string, direction: PublishDirection, last: { sourceCommit: string } | undefined): string {
  return `--rollback was given, but the source commit ${commit.slice(0, 12)} ${direction === 'first' ? 'is the first one published here' : direction === 'same' ? 'is the last one published' : `comes after the last published one (${last!.sourceCommit.slice(0, 12)})`}: nothing is rolled back; leave --rollback out`;
}

/** A `--rollback` reason: one line, said in a few words. */
export function checkRollbackReason(reason: string | undefined): void {
  if (reason === undefined) return;
  const parsed = reasonText.safeParse(reason);
  if (!parsed.success) throw new WorkflowError(`--rollback ${JSON.stringify(reason)}: ${parsed.error.issues[0].message}`);
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

/**
 * Whether `change` goes to a lower version. Only plain `x.y.z` versions (an optional leading `v`)
 * are ordered; a pre-release or build suffix (`1.8.2-hotfix.1`), a commit tag or a digest has no
 * order a release engineer would agree on, so such a change is never called a downgrade.
 */
export function isDowngrade(change: PublishedVersionChange): boolean {
  const from = plainVersion(change.from);
  const to = plainVersion(change.to);
  return !!from && !!to && semver.lt(to, from);
}

/** `x.y.z` (or `vx.y.z`) without pre-release or build parts, else undefined. */
export function plainVersion(version: string): string | undefined {
  return /^v?\d+\.\d+\.\d+$/.test(version) ? semver.valid(version) ?? undefined : undefined;
}

/** What a publish does to a read-only environment that needs the caller's word. */
export interface ProdChanges {
  /** `<env> <component> <from> -> <to>` for every downgrade. */
  readonly downgrades: readonly string[];
  /**
   * `<env> <component> <to>` for every component that changes where the version before cannot be
   * known (the last published source commit or its environment file cannot be read): it may be a downgrade.
   */
  readonly unverified: readonly string[];
  /**
   * Why the versions before are unknown, for the refusal.
   * @default - none: every version before is known
   */
  readonly unverifiedWhy?: string;
  /** `<env> <tenant>` for every tenant removed. */
  readonly removals: readonly string[];
}

/** A tenant Application file the publish deletes from `<env>/apps/`, as the envs repo had it. */
export interface LeavingApplication {
  readonly environment: string;
  /** The file's content before the publish. */
  readonly before: string;
  /** Whether the tenant is still rendered in the environment (`<env>/tenants/<tenant>/`). */
  readonly tenantStays: (tenant: string) => boolean;
}

/**
 * Refuses a publish in which a tenant's Application leaves the app-of-apps while the tenant stays (a
 * switch of `tenantApplications` to an ApplicationSet) and nothing stops the root from pruning it:
 * its resources finalizer would delete the tenant's namespace, whatever takes the Application over.
 */
export function checkNoCascadingHandover(leaving: readonly LeavingApplication[]): void {
  const byEnv = new Map<string, string[]>();
  for (const l of leaving) {
    let app: any;
    try {
      app = parse(l.before);
    } catch {
      continue; // not ours to read: the envs repo holds what publish wrote
    }
    const tenant = app?.kind === 'Application' ? app.metadata?.labels?.['stoa.io/tenant'] : undefined;
    // A tenant name only (it becomes a path): anything else was not written by publish.
    if (typeof tenant !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(tenant) || !l.tenantStays(tenant)) continue;
    const cascades = Array.isArray(app.metadata?.finalizers) && app.metadata.finalizers.includes(RESOURCES_FINALIZER);
    const kept = syncOptionsOf(app).has('Prune=false');
    if (cascades && !kept) byEnv.set(l.environment, [...byEnv.get(l.environment) ?? [], tenant]);
  }
  if (byEnv.size === 0) return;
  const lines = [...byEnv].map(([env, tenants]) => `${env}: the Application${tenants.length === 1 ? '' : 's'} of tenant${tenants.length === 1 ? '' : 's'} ${tenants.join(', ')}`);
  const envs = [...byEnv.keys()];
  throw new WorkflowError(`publish refused: ${lines.join('; ')} would leave the app-of-apps while the tenant stays (a switch of tenantApplications); Argo CD would prune ${envs.length === 1 && byEnv.get(envs[0])!.length === 1 ? 'it' : 'them'}, and the resources finalizer would delete each tenant's namespace and everything in it. Switch in two steps: first set keepTenantApplications: true in ${envs.map((e) => `environments/${e}.yaml`).join(', ')} with the mode unchanged, publish and sync; then switch the mode (the ApplicationSet takes the Applications over); then remove keepTenantApplications`);
}

/**
 * What a publish does to a read-only environment without the caller's word: downgrades and versions
 * that may be downgrades without `allowed.downgrade`, tenant removals without `allowed.removal`; one
 * refusal each, to list with the others ({@link Refusals}).
 */
export function prodChangeRefusals(changes: ProdChanges, allowed: { readonly downgrade?: boolean; readonly removal?: boolean }): string[] {
  const refusals: string[] = [];
  if (changes.downgrades.length > 0 && !allowed.downgrade) {
    refusals.push(`it downgrades ${changes.downgrades.join(', ')}: if that is meant, pass --allow-downgrade`);
  }
  if (changes.unverified.length > 0 && !allowed.downgrade) {
    refusals.push(`it changes ${changes.unverified.join(', ')}, and the versions before are unknown (${changes.unverifiedWhy ?? 'not readable'}), so it cannot tell whether that is a downgrade: if that is meant, pass --allow-downgrade`);
  }
  if (changes.removals.length > 0 && !allowed.removal) {
    refusals.push(`it removes tenant${changes.removals.length === 1 ? '' : 's'} ${changes.removals.join(', ')} (their gateways go once a person deletes their Applications; their namespaces are kept): if that is meant, pass --allow-prod-removal`);
  }
  return refusals.map((r) => `publish refused for a read-only environment: ${r}`);
}

/**
 * Refuses an envs branch that holds commits its remote does not have: publish would push them along,
 * unseen, and summarize against them.
 */
export function checkNotAhead(checkout: string, branch: string, remoteHead: string | undefined): void {
  if (!remoteHead) return;
  const ahead = tryGit(checkout, ['rev-list', '--count', `${remoteHead}..HEAD`])?.trim();
  if (ahead && ahead !== '0') {
    throw new WorkflowError(`the envs checkout's ${branch} has ${ahead} commit${ahead === '1' ? '' : 's'} that origin/${branch} does not: publish would push ${ahead === '1' ? 'it' : 'them'} along unseen. Push or drop ${ahead === '1' ? 'it' : 'them'} first (git log origin/${branch}..${branch})`);
  }
}

/** Refuses to publish to a branch that no environment's Argo CD Applications read. */
export function checkBranchIsRead(branch: string, revisions: ReadonlyMap<string, string>): void {
  const others = [...revisions].filter(([, revision]) => revision !== branch);
  if (others.length > 0) {
    throw new WorkflowError(`--branch ${branch} is not what Argo CD reads: ${others.map(([env, revision]) => `${env} reads ${revision}`).join(', ')} (repo.revision in its environment file); publish to that branch`);
  }
}
