import * as path from 'path';
import { ComponentName, EnvironmentConfig } from '../config/environment-config';
import { fileHistories, FileVersion, isAncestor, isShallow, repoRoot, trailerValues, tryGit } from '../git/git';
import { environmentFile, Project, projectEnvironments, ProjectLocation, projectOf, readOnlyEnvironmentNames } from '../project/project';
import { CommittedEnvironment, committedEnvironment } from './committed-environments';
import { isDowngrade, publishedBranchRef } from './publish-guard';
import { WorkflowError } from './workflow-error';

/** A version an environment runs that did not come through the environment it is promoted from. */
export interface UnpromotedVersion {
  /** The environment running the version. */
  readonly environment: string;
  /** The environment it should have come through. */
  readonly source: string;
  /** The component. */
  readonly component: ComponentName;
  /** The version that skipped the source. */
  readonly version: string;
  /**
   * `never-in-source`: the source never had the version; `not-earlier`: the source had it, but not
   * in a commit before the one that brought it here (e.g. both in the same commit), so it never ran it first.
   */
  readonly reason: 'never-in-source' | 'not-earlier';
  /**
   * The commit that brought the version into the environment.
   * @default - none: the uncommitted working tree
   */
  readonly commit?: string;
}

/** A version let into an environment directly, by the hotfix record of its environment file. */
export interface AcceptedHotfix {
  /** The environment. */
  readonly environment: string;
  /** The component. */
  readonly component: ComponentName;
  /** The version. */
  readonly version: string;
  /** Why, as recorded. */
  readonly reason: string;
}

/** A lower version in a read-only environment (prod), found in the pull request rather than by publish after the merge. */
export interface DowngradedVersion {
  /** The environment. */
  readonly environment: string;
  /** The component. */
  readonly component: ComponentName;
  /** The version it ran before. */
  readonly from: string;
  /** The lower version it runs now. */
  readonly to: string;
  /**
   * The commit that brought the lower version.
   * @default - none: the uncommitted working tree
   */
  readonly commit?: string;
  /** Whether that commit says the downgrade is meant: the trailer `Allow-Downgrade: <env>/<component>`. */
  readonly acknowledged: boolean;
}

/** The commit trailer that says a downgrade in a read-only environment is meant: `Allow-Downgrade: <env>/<component>`. */
export const DOWNGRADE_TRAILER = 'Allow-Downgrade';

/** What {@link checkPromotions} found. */
export interface PromotionCheck {
  /** True when nothing skipped the promotion order, and every downgrade of a read-only environment is acknowledged. */
  readonly ok: boolean;
  /** Every version that did. */
  readonly problems: readonly UnpromotedVersion[];
  /** Versions accepted without their source because the environment file records them as hotfixes. */
  readonly hotfixes: readonly AcceptedHotfix[];
  /** Lower versions in read-only environments (a hotfix rolled back upstream, promoted on), acknowledged or not. */
  readonly downgrades: readonly DowngradedVersion[];
}

/**
 * Fails a version that reached an environment without running in its source
 * first: every component version of an environment with `promotedFrom`
 * (staging, prod) must have been in the source environment in a commit
 * strictly before the one that brought it into the environment (for an
 * uncommitted change: in HEAD or before), along the branch's first-parent
 * line, so a merge that brings both changes counts as one commit. So
 * `promote dev staging` and `promote staging prod` in one commit (or one
 * merge) fail; two commits pass. Accepted without the source: a version the
 * environment file records under `hotfixes` (`set-image --hotfix`), never in
 * an environment that was ever read-only, and the versions an environment
 * file was first created with (its baseline; deleting and re-creating it
 * starts none). An environment is held to every `promotedFrom` its file ever
 * had ({@link environmentGuards}). Outside git only the source's current
 * versions count. In a shallow clone the history is incomplete, so instead
 * of a verdict it throws a {@link WorkflowError} asking for the full history.
 *
 * A lower plain version (`x.y.z`) in an environment that is or was read-only (prod) than the one
 * before it is a downgrade: `publish` refuses it without `--allow-downgrade`, so it is found here, in
 * the pull request, unless the commit that brings it carries `Allow-Downgrade: <env>/<component>`.
 * Only a downgrade on its way in counts: one with a commit of its way down not yet on the published
 * branch (origin's default branch as last fetched; main without a remote), or not committed.
 */
export function checkPromotions(options: ProjectLocation = {}): PromotionCheck {
  const project = projectOf(options);
  const envs = projectEnvironments(project);
  const root = repoRoot(project.environmentsDir);
  const problems: UnpromotedVersion[] = [];
  const hotfixes: AcceptedHotfix[] = [];
  const downgrades: DowngradedVersion[] = [];
  const histories = historiesOf(project, envs, root);
  const published = root ? publishedTip(root) : undefined;
  let reliedOnHistoryStart = false;
  for (const env of envs) {
    const guard = guardOf(env, histories.get(env.name));
    const target = histories.get(env.name);
    // An environment that no longer exists cannot be checked against.
    const sources = guard.sources.map((name) => envs.find((e) => e.name === name)).filter((e): e is EnvironmentConfig => e !== undefined);
    for (const [component, version] of Object.entries(env.components)) {
      if (root && target && guard.everReadOnly) {
        const descent = descentTo(target, component, version);
        // Only a change on its way in (not yet on the published branch, or not committed) is found here; what the
        // branch already holds was published, with --allow-downgrade, or is publish's to refuse.
        if (descent && (descent.commits.length === 0 || descent.uncommitted || published === undefined || descent.commits.some((c) => !isAncestor(root, c, published)))) {
          // Said on any commit of the way down (or one a merge of it brings): each step needs no trailer of its own.
          const acknowledged = descent.commits.some((c) => trailersOf(root, c, DOWNGRADE_TRAILER).includes(`${env.name}/${component}`));
          downgrades.push({ environment: env.name, component, from: descent.from, to: version, ...(descent.commits[0] ? { commit: descent.commits[0] } : {}), acknowledged });
        }
      }
      const hotfix = env.hotfixes?.[component];
      // A hotfix record counts only in an environment that never was read-only (prod cannot grant itself one).
      if (sources.length > 0 && hotfix?.version === version && !guard.everReadOnly) {
        hotfixes.push({ environment: env.name, component, version, reason: hotfix.reason });
        continue;
      }
      for (const source of sources) {
        const from = histories.get(source.name);
        const base = { environment: env.name, source: source.name, component, version };
        if (!root || !target || !from) {
          if (source.components[component] !== version) problems.push({ ...base, reason: 'never-in-source' });
          continue;
        }
        const arrival = arrivalOf(target, component, version);
        if (arrival.baseline) {
          reliedOnHistoryStart ||= arrival.atHistoryStart;
          continue;
        }
        const verdict = ranBefore(root, from, source.components[component] === version, component, version, arrival.commit);
        if (verdict !== 'yes') {
          problems.push({ ...base, reason: verdict === 'never' ? 'never-in-source' : 'not-earlier', ...(arrival.commit ? { commit: arrival.commit } : {}) });
          reliedOnHistoryStart ||= from.atHistoryStart;
        }
      }
    }
  }
  if (root && (problems.length > 0 || reliedOnHistoryStart)) refuseShallowHistory(root, problems.length);
  return { ok: problems.length === 0 && downgrades.every((d) => d.acknowledged), problems, hotfixes, downgrades };
}

/**
 * Whether `version` of `component` is lower than one the environment ran before: the newest earlier
 * state with a higher version, and the commits since (oldest first; none for the working tree alone),
 * the way down. Comparing with every earlier state, not only the one before, so that a step up after
 * an unacknowledged step down does not hide it (publish compares with what was published).
 */
function descentTo(history: History, component: ComponentName, version: string): { from: string; commits: string[]; uncommitted: boolean } | undefined {
  const since: string[] = [];
  let newest = true;
  let uncommitted = false;
  for (const c of history.commits) {
    if (c.version.text === undefined) return undefined;
    if (c.state === undefined) continue;
    const had = c.state.versions[component];
    // The newest commit with another version than the working tree's: the change is not committed yet.
    if (newest && had !== version) uncommitted = true;
    newest = false;
    if (had !== undefined && had !== version && isDowngrade({ component, from: had, to: version })) return { from: had, commits: since.reverse(), uncommitted };
    since.push(c.version.commit);
  }
  return undefined;
}

/** The tip of the published branch (origin's default branch, as last fetched; without a remote, main), or undefined. */
function publishedTip(root: string): string | undefined {
  const { ref } = publishedBranchRef(root, undefined);
  return tryGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])?.trim();
}

/** The values of the trailer `key` in the message of `commit`, and of the commits a merge `commit` brings in. */
function trailersOf(root: string, commit: string, key: string): string[] {
  // A merge (a pull request merged with a merge commit, or GitHub's refs/pull/N/merge): the branch's commits say it.
  // `<c> ^<c>^1` is the commit and what it brings in; a root commit is alone.
  const hasParent = tryGit(root, ['rev-parse', '--verify', '--quiet', `${commit}^1`]) !== undefined;
  return trailerValues(root, key, hasParent ? [commit, `^${commit}^1`] : [commit]);
}

/** The guard rails an environment has ever had: an edit of its own file cannot take them away. */
export interface EnvironmentGuard {
  /** Every environment it is or was promoted from, in its file's history. */
  readonly sources: readonly string[];
  /** Whether it is or ever was read-only. */
  readonly everReadOnly: boolean;
}

/**
 * The guard rails of `environments` (every environment of the project unless given), each from
 * its own file now and in every commit of that file's history: what `check-promotions`, `publish`
 * and `set-image` hold an environment to. Setting `mode: full` or removing `promotedFrom` in
 * prod's file does not make prod a dev.
 */
export function environmentGuards(project: Project, environments: readonly EnvironmentConfig[] = projectEnvironments(project)): Map<string, EnvironmentGuard> {
  const histories = historiesOf(project, environments, repoRoot(project.environmentsDir));
  return new Map(environments.map((e) => [e.name, guardOf(e, histories.get(e.name))]));
}

/** The history of every environment's file (none outside git), `root` the top of the work tree holding them. */
function historiesOf(project: Project, envs: readonly EnvironmentConfig[], root: string | undefined): Map<string, History | undefined> {
  if (!root) return new Map(envs.map((e) => [e.name, undefined]));
  const files = envs.map((e) => path.relative(root, environmentFile(project, e.name)).split(path.sep).join('/'));
  const versions = fileHistories(root, files);
  return new Map(envs.map((e, i) => [e.name, historyOf(files[i], versions[i])]));
}

function guardOf(env: EnvironmentConfig, history: History | undefined): EnvironmentGuard {
  const states = history?.commits.map((c) => c.state).filter((s): s is CommittedEnvironment => s !== undefined) ?? [];
  const sources = [env.promotedFrom, ...states.map((s) => s.promotedFrom)].filter((s): s is string => typeof s === 'string' && s !== env.name);
  return {
    sources: [...new Set(sources)],
    everReadOnly: env.mode === 'read-only' || states.some((s) => s.mode === 'read-only'),
  };
}

/** An environment file in every commit that changed it, newest first. */
interface History {
  readonly commits: readonly { readonly version: FileVersion; readonly state: CommittedEnvironment | undefined }[];
  /** Whether the oldest commit has no parent here: a root commit, or the edge of a shallow clone. */
  readonly atHistoryStart: boolean;
}

function historyOf(rel: string, versions: readonly FileVersion[]): History {
  const commits = versions.map((version) => ({ version, state: committedEnvironment(version.text, rel) }));
  const oldest = commits[commits.length - 1];
  return { commits, atHistoryStart: oldest !== undefined && oldest.version.parents.length === 0 };
}

/**
 * Where `version` of `component` came into an environment: walking back from the working tree
 * while the environment had it, the oldest commit of that run (none: it is an uncommitted change).
 * A run that reaches the file's first commit is its baseline: what an environment starts with.
 * A file deleted and created again starts no new baseline: its versions are checked like any.
 */
function arrivalOf(history: History, component: ComponentName, version: string): { commit?: string; baseline: boolean; atHistoryStart: boolean } {
  let commit: string | undefined;
  if (history.commits.length === 0) return { baseline: true, atHistoryStart: false }; // not committed yet: a new project
  for (const c of history.commits) {
    if (c.version.text === undefined) return { commit, baseline: false, atHistoryStart: false };
    // A commit whose file cannot be read (too big, broken, hostile) says nothing: skip it.
    if (c.state === undefined) continue;
    if (c.state.versions[component] !== version) return { commit, baseline: false, atHistoryStart: false };
    commit = c.version.commit;
  }
  return { commit, baseline: true, atHistoryStart: history.atHistoryStart };
}

/** Whether the source had `version` in a commit strictly before `arrival` (undefined: the working tree, so HEAD counts). */
function ranBefore(root: string, from: History, hasNow: boolean, component: ComponentName, version: string, arrival: string | undefined): 'yes' | 'never' | 'same' {
  const had = from.commits.filter((c) => c.state?.versions[component] === version).map((c) => c.version.commit);
  if (had.length === 0) return hasNow ? 'same' : 'never';
  if (arrival === undefined) return 'yes';
  return had.some((c) => c !== arrival && isAncestor(root, c, arrival)) ? 'yes' : 'same';
}

/** Throws when the repository is a shallow clone: its history cannot show what a source environment once had. */
function refuseShallowHistory(root: string, unproven: number): void {
  if (!isShallow(root)) return;
  const what = unproven > 0
    ? `${unproven} version${unproven === 1 ? '' : 's'} may have been in the source environment before its oldest fetched commit`
    : 'versions that look like an environment file\'s first ones may only be the oldest fetched';
  throw new WorkflowError(`cannot check the promotion order: ${root} is a shallow clone, so the history of the environment files is incomplete and ${what}. Fetch the full history and run it again: git fetch --unshallow (in GitHub Actions: actions/checkout with fetch-depth: 0)`);
}

/** Human-readable lines for {@link checkPromotions}. */
export function formatPromotionCheck(check: PromotionCheck, envs?: readonly EnvironmentConfig[]): string {
  const accepted = check.hotfixes.map((h) => `  hotfix accepted: ${h.environment} ${h.component} ${h.version} (${h.reason})`);
  const meant = check.downgrades.filter((d) => d.acknowledged).map((d) => `  downgrade acknowledged (${DOWNGRADE_TRAILER}): ${d.environment} ${d.component} ${d.from} -> ${d.to}; publish it with --allow-downgrade`);
  const unmeant = check.downgrades.filter((d) => !d.acknowledged);
  if (check.ok) return ['promotion order holds: every version ran in its source environment in an earlier commit', ...accepted, ...meant].join('\n');
  const readOnly = new Set(readOnlyEnvironmentNames(envs ?? []));
  const downgradeLines = unmeant.length === 0 ? [] : [
    `${unmeant.length} downgrade${unmeant.length === 1 ? '' : 's'} in a read-only environment, which publish refuses without --allow-downgrade:`,
    ...unmeant.map((d) => `  ${d.environment}: ${d.component} ${d.from} -> ${d.to} (${d.commit ? `commit ${d.commit.slice(0, 12)}` : 'the uncommitted change'}); if it is meant (a rollback), add the line "${DOWNGRADE_TRAILER}: ${d.environment}/${d.component}" to the message of the commit that brings it, and publish with --allow-downgrade`),
  ];
  if (check.problems.length === 0) return [...downgradeLines, ...accepted, ...meant].join('\n');
  return [
    ...downgradeLines,
    `${check.problems.length} version${check.problems.length === 1 ? '' : 's'} skipped the promotion order:`,
    ...check.problems.map((p) => `  ${p.environment}: ${p.component} ${p.version} ${p.reason === 'never-in-source'
      ? `was never in ${p.source}`
      : `was not in ${p.source} in any commit before the one that brought it here (${p.commit ? `commit ${p.commit.slice(0, 12)}` : 'the uncommitted change'}), so ${p.source} never ran it first`}; ${advice(p, readOnly)}`),
    ...accepted, ...meant,
  ].join('\n');
}

function advice(p: UnpromotedVersion, readOnly: ReadonlySet<string>): string {
  const set = p.reason === 'never-in-source' ? `bring it to ${p.source} first (by promotion, or a hotfix there), commit, then` : 'commit';
  const steps = p.reason === 'never-in-source'
    ? `${set} run promote ${p.source} ${p.environment} in a later commit`
    : `leave ${p.environment} out of this commit: commit ${p.source}'s change alone, then run promote ${p.source} ${p.environment} in a later commit`;
  // A read-only environment has no hotfix path of its own: it goes through its source.
  const hotfix = readOnly.has(p.environment)
    ? ''
    : ` (a fix that cannot wait for ${p.source}: stoa-manifests set-image ${p.component} ${p.version} --env ${p.environment} --hotfix "<reason>")`;
  return `${steps}${hotfix}`;
}
