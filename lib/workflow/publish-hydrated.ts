import * as fs from 'fs';
import * as path from 'path';
import { checkBranchName, git, redactUrl, tryGit } from '../git/git';
import { projectOf, ProjectLocation } from '../project/project';
import { checkOutput } from '../project/synth-project';
import { cloneTo, emptyWorkTree, fetchRemoteHead } from './envs-checkout';
import { backwardMessage, checkOnPublishedBranch, Refusals, checkRollbackReason, isRollback, nothingRolledBack, publishDirection, PublishDirection } from './publish-guard';
import { environmentFolders, sourceOf } from './publish-source';
import { WorkflowError } from './workflow-error';

/*
 * The layout Argo CD's source hydrator writes, and GitOps Promoter reads, so that a team adopting
 * Promoter keeps this product as its renderer (docs/hydrator.md). Formats, from their sources:
 * - Argo CD (commitserver/commit/hydratorhelper.go, util/hydrator/hydrator.go): a `hydrator.metadata`
 *   JSON file at the branch root (repoURL, drySha, author, date, subject, body) and in each hydrated
 *   path (repoURL, drySha), Go's JSON encoder with a two-space indent; `.gitattributes` marking them
 *   generated; a git note in `refs/notes/hydrator.metadata` on each hydrated commit, `{"drySha": ...}`.
 * - GitOps Promoter (internal/git/git.go, api/v1alpha1 HydratorMetadata): reads the proposed and active
 *   branches' root `hydrator.metadata` (drySha: 40 or 64 hex) and prefers the note when there is one.
 */

/** Git notes ref of the hydrator's metadata (Argo CD's commit server and GitOps Promoter). */
export const HYDRATOR_NOTES_REF = 'refs/notes/hydrator.metadata';

/** The file both read. */
export const HYDRATOR_METADATA_FILE = 'hydrator.metadata';

/** What Argo CD writes to `.gitattributes` of a hydrated branch: its generated files fold in pull request diffs. */
const GIT_ATTRIBUTES = '**/README.md linguist-generated=true\n**/hydrator.metadata linguist-generated=true';

/** Default {@link PublishHydratedOptions.branchPrefix}: Promoter's documented `environment/<env>` branches. */
export const DEFAULT_ENVIRONMENT_BRANCH_PREFIX = 'environment/';

/** The metadata of a hydrated branch (Argo CD's `HydratorCommitMetadata`), field order and omitempty as Go encodes it. */
export interface HydratorMetadata {
  /**
   * The dry (source) repository.
   * @default - left out (Go's omitempty)
   */
  readonly repoURL?: string;
  /**
   * The dry commit the branch was rendered from.
   * @default - left out (Go's omitempty)
   */
  readonly drySha?: string;
  /**
   * Author of the dry commit, `Name <email>`.
   * @default - left out (Go's omitempty)
   */
  readonly author?: string;
  /**
   * Its author date, RFC 3339.
   * @default - left out (Go's omitempty)
   */
  readonly date?: string;
  /**
   * Its subject line.
   * @default - left out (Go's omitempty)
   */
  readonly subject?: string;
  /**
   * Its body, without the subject.
   * @default - left out (Go's omitempty)
   */
  readonly body?: string;
}

/** Options of {@link publishHydrated}. */
export interface PublishHydratedOptions extends ProjectLocation {
  /** The envs repo: a URL, or the path of a repository (it is cloned; the branches are pushed to it). */
  readonly repo: string;
  /**
   * The source repo's branch that publish takes commits from: the source commit must be on it.
   * @default - the default branch of the source repo's `origin` (`main` without a remote)
   */
  readonly sourceBranch?: string;
  /**
   * Prefix of the environment branches: Argo CD syncs `<prefix><env>` (the environment file's
   * `repo.revision` must name it), publish writes `<prefix><env>-next`, and Promoter moves one to the other.
   * @default 'environment/'
   */
  readonly branchPrefix?: string;
  /**
   * Why a source commit older than (or unrelated to) the one a proposed branch stands for is
   * published: without it such a publish is refused; with it the hydrated commit records it (`Rollback:`).
   * @default - none: only forward
   */
  readonly rollback?: string;
}

/** What {@link publishHydrated} did for one environment. */
export interface HydratedEnvironment {
  /** The environment. */
  readonly environment: string;
  /** The branch written: `<prefix><env>-next`. */
  readonly branch: string;
  /** The branch Argo CD syncs, which Promoter updates: `<prefix><env>`. */
  readonly activeBranch: string;
  /** False when the branch already held this output (only its note was updated). */
  readonly committed: boolean;
  /** True when this publish created the active branch (Argo CD's empty initial commit), as Argo CD's commit server does. */
  readonly createdActive: boolean;
  /** How the dry commit relates to the one the proposed branch stood for. */
  readonly direction: PublishDirection;
  /** The branch's head after the publish. */
  readonly commit: string;
}

/** What {@link publishHydrated} did. */
export interface PublishHydratedResult {
  /** The dry commit published. */
  readonly drySha: string;
  /** Per environment, in the project's order. */
  readonly environments: readonly HydratedEnvironment[];
}

/**
 * Publishes the output in the source hydrator's layout: each environment's folder to its own
 * proposed branch `<prefix><env>-next` of the envs repo (only that folder, with `hydrator.metadata`
 * at the root and in the folder, and the note), for GitOps Promoter to promote to `<prefix><env>`
 * through its pull requests and gates. Refuses, before any push, an output that is not what the
 * sources produce, a source tree with uncommitted changes, and an environment whose Applications do
 * not sync its active branch.
 */
export function publishHydrated(options: PublishHydratedOptions): PublishHydratedResult {
  const project = projectOf(options);
  const prefix = options.branchPrefix ?? DEFAULT_ENVIRONMENT_BRANCH_PREFIX;
  if (options.sourceBranch !== undefined) checkBranchName(options.sourceBranch);
  checkRollbackReason(options.rollback);
  const source = sourceOf(project);
  // As publish: only commits of the published branch, never a pull request's.
  checkOnPublishedBranch(source.root, source.commit, options.sourceBranch);
  const { environments: configs, present } = environmentFolders(project);
  const branches = present.map((env) => ({ env, active: `${prefix}${env}`, next: `${prefix}${env}-next` }));
  for (const b of branches) {
    checkBranchName(b.active);
    checkBranchName(b.next);
    const revision = configs.find((c) => c.name === b.env)?.repo.revision;
    if (revision !== b.active) {
      throw new WorkflowError(`environment ${b.env} deploys ${revision}, but with the hydrator layout Argo CD syncs ${b.active} (GitOps Promoter moves ${b.next} there): set repo.revision: ${b.active} in its environment file`);
    }
  }
  const current = checkOutput(project);
  if (!current.upToDate) throw new WorkflowError(`${path.relative(project.projectDir, project.outDir) || project.outDir}/ is not what the sources produce: run synth and commit first`);
  const metadata = dryMetadata(source.root, source.commit, source.repo, source.author);

  const checkout = cloneTo(options.repo);
  try {
    fetchNotes(checkout, options.repo);
    const environments = branches.map((b) => hydrate(checkout, source.root, project.outDir, b, metadata, options.rollback, source.renderer));
    const back = environments.filter((e) => isRollback(e.direction));
    if (back.length > 0 && options.rollback === undefined) {
      // Every branch that would go back, at once.
      const refusals = new Refusals();
      for (const e of back) refusals.add(`${e.branch}: ${backwardMessage(source.root, source.commit, { sourceCommit: e.previousDrySha!, envsCommit: e.previousCommit! }, e.direction)}`);
      refusals.throwIfAny();
    }
    if (back.length === 0 && options.rollback !== undefined) {
      const e = environments[0];
      throw new WorkflowError(nothingRolledBack(source.commit, e.direction, e.previousDrySha ? { sourceCommit: e.previousDrySha } : undefined));
    }
    const refspecs = [
      ...environments.filter((e) => e.createdActive).map((e) => `${e.activeCommit}:refs/heads/${e.activeBranch}`),
      ...environments.map((e) => `${e.commit}:refs/heads/${e.branch}`),
      `${HYDRATOR_NOTES_REF}:${HYDRATOR_NOTES_REF}`,
    ];
    try {
      // All or nothing: branches and notes move together, or none does (a remote that cannot do it refuses).
      git(checkout, ['push', '--quiet', '--atomic', 'origin', ...refspecs]);
    } catch (e) {
      throw new WorkflowError(`the push to ${redactUrl(options.repo)} failed, so nothing was published (the branches and the notes are pushed at once): ${(e as Error).message}`, { cause: e });
    }
    return {
      drySha: source.commit,
      environments: environments.map(({ environment, branch, activeBranch, committed, createdActive, direction, commit }) => ({ environment, branch, activeBranch, committed, createdActive, direction, commit })),
    };
  } finally {
    fs.rmSync(path.dirname(checkout), { recursive: true, force: true });
  }
}

/**
 * Fetches the notes of earlier publishes, so that adding one is a fast-forward of the ref. A remote
 * without the ref is a first publish; a remote that cannot be read is an error (pushing notes that
 * miss the earlier ones would be refused, or worse, forced).
 */
function fetchNotes(checkout: string, repo: string): void {
  let listed: string;
  try {
    listed = git(checkout, ['ls-remote', 'origin', '--', HYDRATOR_NOTES_REF]);
  } catch (e) {
    throw new WorkflowError(`cannot read the notes ${HYDRATOR_NOTES_REF} of ${redactUrl(repo)}: ${(e as Error).message}`, { cause: e });
  }
  if (listed.trim() === '') return;
  try {
    git(checkout, ['fetch', '--quiet', 'origin', '--', `+${HYDRATOR_NOTES_REF}:${HYDRATOR_NOTES_REF}`]);
  } catch (e) {
    throw new WorkflowError(`cannot fetch the notes ${HYDRATOR_NOTES_REF} of ${redactUrl(repo)}, so nothing was published: ${(e as Error).message}`, { cause: e });
  }
}

/** What {@link hydrate} did, with what the guard and the push need. */
interface Hydrated extends HydratedEnvironment {
  /** The active branch's head (its new initial commit when `createdActive`). */
  readonly activeCommit: string;
  /** The proposed branch's head before, when it had one. */
  readonly previousCommit?: string;
  /** The dry commit it stood for, when it says. */
  readonly previousDrySha?: string;
}

/**
 * Writes one environment's proposed branch in `checkout` (commits when its files changed) and notes
 * its head. As Argo CD's commit server (CheckoutOrOrphan, CheckoutOrNew): the active branch, when
 * missing, starts with an empty commit, and the proposed branch, when missing, starts from it, so
 * that Promoter's pull requests from one to the other share a history.
 */
function hydrate(checkout: string, sourceRoot: string, outDir: string, b: { env: string; active: string; next: string }, metadata: HydratorMetadata, rollback: string | undefined, renderer: string): Hydrated {
  // The checkout is a clone made for this publish: it has every branch of origin as it is now.
  let activeCommit = fetchRemoteHead(checkout, b.active, true);
  const createdActive = activeCommit === undefined;
  const previousCommit = fetchRemoteHead(checkout, b.next, true);
  if (activeCommit === undefined && previousCommit !== undefined) {
    // The proposed branch without its active one (deleted, or made by hand): the active branch is its empty first
    // commit again, as Argo CD made it; any other start would give Promoter unrelated histories, or deploy old files.
    const roots = git(checkout, ['rev-list', '--max-parents=0', previousCommit, '--']).trim().split('\n');
    const emptyTree = git(checkout, ['hash-object', '-t', 'tree', '--stdin'], { input: '' }).trim();
    if (roots.length !== 1 || git(checkout, ['rev-parse', `${roots[0]}^{tree}`]).trim() !== emptyTree) {
      throw new WorkflowError(`${b.next} exists but ${b.active} does not, and ${b.next} does not start with an empty commit to recreate it from: create ${b.active} by hand from the commit Argo CD should sync (git push origin <commit>:refs/heads/${b.active}), then publish again`);
    }
    activeCommit = roots[0];
  }
  if (activeCommit === undefined) {
    git(checkout, ['checkout', '--quiet', '--orphan', b.active]);
    emptyWorkTree(checkout);
    git(checkout, ['commit', '--quiet', '--allow-empty', '--file=-'], { input: `Initial commit for ${b.active}\n` });
    activeCommit = git(checkout, ['rev-parse', 'HEAD']).trim();
  }
  git(checkout, ['checkout', '--quiet', '--force', '-B', b.next, previousCommit ?? activeCommit, '--']);
  const previousDrySha = dryShaOf(checkout, previousCommit ?? activeCommit);
  const direction = publishDirection(sourceRoot, metadata.drySha!, previousDrySha ? { sourceCommit: previousDrySha, envsCommit: previousCommit ?? activeCommit } : undefined);
  // The branch holds this environment's folder and the hydrator's files, nothing else.
  emptyWorkTree(checkout);
  fs.cpSync(path.join(outDir, b.env), path.join(checkout, b.env), { recursive: true });
  fs.writeFileSync(path.join(checkout, HYDRATOR_METADATA_FILE), encodeMetadata(metadata));
  fs.writeFileSync(path.join(checkout, b.env, HYDRATOR_METADATA_FILE), encodeMetadata({ repoURL: metadata.repoURL, drySha: metadata.drySha }));
  fs.writeFileSync(path.join(checkout, '.gitattributes'), GIT_ATTRIBUTES);
  git(checkout, ['add', '--all', '--', '.']);
  // Like Argo CD's commit server: a new commit only when a manifest changed; the metadata alone is no change.
  const changed = git(checkout, ['diff', '--cached', '--name-only', 'HEAD', '--', '.', `:(exclude)${HYDRATOR_METADATA_FILE}`, `:(exclude)${b.env}/${HYDRATOR_METADATA_FILE}`]).trim() !== '';
  if (changed) {
    const back = isRollback(direction) && rollback !== undefined ? `Rollback: ${rollback}\nRollback-From: ${previousDrySha}\n` : '';
    const message = `Hydrate ${b.env} from ${metadata.drySha!.slice(0, 12)}: ${metadata.subject ?? ''}\n\nSource-Repo: ${metadata.repoURL}\nSource-Commit: ${metadata.drySha}\n${back}Rendered-With: ${renderer}\n`;
    git(checkout, ['commit', '--quiet', '--file=-'], { input: message });
  } else {
    git(checkout, ['reset', '--quiet', '--hard']);
  }
  const commit = git(checkout, ['rev-parse', 'HEAD']).trim();
  // The note says which dry commit this hydrated commit stands for (also when nothing changed): Promoter prefers it to the file.
  git(checkout, ['notes', `--ref=${HYDRATOR_NOTES_REF}`, 'add', '--force', '--file=-', commit], { input: `${JSON.stringify({ drySha: metadata.drySha })}\n` });
  return { environment: b.env, branch: b.next, activeBranch: b.active, committed: changed, createdActive, direction, commit, activeCommit, previousCommit, previousDrySha };
}

/** The dry commit a hydrated commit stands for: its note, else its root `hydrator.metadata` (as Promoter reads it). */
function dryShaOf(checkout: string, commit: string): string | undefined {
  for (const text of [
    tryGit(checkout, ['notes', `--ref=${HYDRATOR_NOTES_REF}`, 'show', commit]),
    tryGit(checkout, ['show', `${commit}:${HYDRATOR_METADATA_FILE}`]),
  ]) {
    if (text === undefined) continue;
    try {
      const sha = JSON.parse(text)?.drySha;
      if (typeof sha === 'string' && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) return sha;
    } catch {
      // Not JSON: the next source, or none.
    }
  }
  return undefined;
}

/** The dry commit's metadata as Argo CD's hydrator records it (subject and body split at the first blank line). */
function dryMetadata(root: string, commit: string, repo: string, author: string): HydratorMetadata {
  const [date, ...message] = git(root, ['log', '-1', '--format=%aI%n%B', '--end-of-options', commit]).split('\n');
  const text = message.join('\n').replace(/\n+$/, '');
  const cut = text.indexOf('\n\n');
  return {
    repoURL: repo,
    drySha: commit,
    author,
    // RFC 3339 in the commit's own offset, as Go's time.RFC3339 formats the commit date.
    date,
    subject: cut < 0 ? text : text.slice(0, cut),
    body: cut < 0 ? '' : text.slice(cut + 2),
  };
}

/** `metadata` as Go's JSON encoder writes it there: two-space indent, empty fields left out, a final newline. */
export function encodeMetadata(metadata: HydratorMetadata): string {
  const ordered = Object.fromEntries((['repoURL', 'drySha', 'author', 'date', 'subject', 'body'] as const)
    .filter((k) => metadata[k] !== undefined && metadata[k] !== '').map((k) => [k, metadata[k]]));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
