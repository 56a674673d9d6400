import * as fs from 'fs';
import * as path from 'path';
import { checkBranchName, git, redactUrl, tryGit } from '../git/git';
import { projectOf, ProjectLocation } from '../project/project';
import { checkOutput } from '../project/synth-project';
import { cloneTo, emptyWorkTree, switchTo } from './envs-checkout';
import { checkOnPublishedBranch } from './publish-guard';
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
  const source = sourceOf(project);
  // As publish: only commits of the published branch, never a pull request's.
  checkOnPublishedBranch(source.root, source.commit, options.sourceBranch);
  const { environments: configs, present } = environmentFolders(project);
  const branches = present.map((env) => ({ env, active: `${prefix}${env}`, next: `${prefix}${env}-next` }));
  for (const b of branches) {
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
    // The notes of earlier publishes, so that adding one is a fast-forward of the ref.
    tryGit(checkout, ['fetch', '--quiet', 'origin', `+${HYDRATOR_NOTES_REF}:${HYDRATOR_NOTES_REF}`]);
    const environments = branches.map((b) => hydrate(checkout, project.outDir, b, metadata));
    try {
      git(checkout, ['push', '--quiet', 'origin', ...environments.map((e) => `${e.commit}:refs/heads/${e.branch}`), `${HYDRATOR_NOTES_REF}:${HYDRATOR_NOTES_REF}`]);
    } catch (e) {
      throw new WorkflowError(`the push to ${redactUrl(options.repo)} failed, so nothing was published (git pushes the branches and the notes at once): ${(e as Error).message}`);
    }
    return { drySha: source.commit, environments };
  } finally {
    fs.rmSync(path.dirname(checkout), { recursive: true, force: true });
  }
}

/** Writes one environment's proposed branch in `checkout` (commits when its files changed) and notes its head. */
function hydrate(checkout: string, outDir: string, b: { env: string; active: string; next: string }, metadata: HydratorMetadata): HydratedEnvironment {
  switchTo(checkout, b.next, true);
  // The branch holds this environment's folder and the hydrator's files, nothing else.
  emptyWorkTree(checkout);
  fs.cpSync(path.join(outDir, b.env), path.join(checkout, b.env), { recursive: true });
  fs.writeFileSync(path.join(checkout, HYDRATOR_METADATA_FILE), encodeMetadata(metadata));
  fs.writeFileSync(path.join(checkout, b.env, HYDRATOR_METADATA_FILE), encodeMetadata({ repoURL: metadata.repoURL, drySha: metadata.drySha }));
  fs.writeFileSync(path.join(checkout, '.gitattributes'), GIT_ATTRIBUTES);
  git(checkout, ['add', '--all', '--', '.']);
  const head = tryGit(checkout, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim();
  // Like Argo CD's commit server: a new commit only when a manifest changed; the metadata alone is no change.
  const changed = head === undefined || git(checkout, ['diff', '--cached', '--name-only', 'HEAD', '--', '.', `:(exclude)${HYDRATOR_METADATA_FILE}`, `:(exclude)${b.env}/${HYDRATOR_METADATA_FILE}`]).trim() !== '';
  if (changed) {
    const message = `Hydrate ${b.env} from ${metadata.drySha!.slice(0, 12)}: ${metadata.subject ?? ''}\n\nSource-Repo: ${metadata.repoURL}\nSource-Commit: ${metadata.drySha}\n`;
    git(checkout, ['commit', '--quiet', '--file=-'], { input: message });
  } else {
    git(checkout, ['reset', '--quiet', '--hard']);
  }
  const commit = git(checkout, ['rev-parse', 'HEAD']).trim();
  // The note says which dry commit this hydrated commit stands for (also when nothing changed): Promoter prefers it to the file.
  git(checkout, ['notes', `--ref=${HYDRATOR_NOTES_REF}`, 'add', '--force', '--file=-', commit], { input: `${JSON.stringify({ drySha: metadata.drySha })}\n` });
  return { environment: b.env, branch: b.next, activeBranch: b.active, committed: changed, commit };
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
