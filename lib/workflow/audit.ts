import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-config';
import { checkBranchName, checkRevision, git, isAncestor, objectIds, redactUrl, repoRoot, tryGit } from '../git/git';
import { isRendererId, rendererId } from '../project/renderer-id';
import { Project, ProjectLocation, projectEnvironments, projectOf } from '../project/project';
import { renderProject } from '../project/synth-project';
import { compareStrings } from '../sort';
import { visible } from './diff-escape';
import { checkRepoLocation } from './envs-checkout';
import { changedTopLevel, checkSignatures, EnvsTrust, envsTrust } from './envs-signing';
import { publishedBranchTip } from './publish-guard';
import { WorkflowError } from './workflow-error';

// audit: walks the envs repo's published branch and checks each commit against what its recorded
// source commit renders (re-rendered from the source repository, never from a cache), that it
// records one, and, when the environment files name signers, that a trusted key signed it.

/** Commits audited when no limit is given. */
export const DEFAULT_AUDIT_LIMIT = 50;
/** Most commits one audit walks. */
export const MAX_AUDIT_LIMIT = 1000;
/** Files listed per finding; the rest are counted. */
const MAX_LISTED_FILES = 50;

/** Options of {@link audit}. */
export interface AuditOptions extends ProjectLocation {
  /** The envs repo: a path (a checkout or a bare repository, read as it is) or a URL (cloned into a temporary folder). */
  readonly repo: string;
  /**
   * The branch to walk (its first-parent line, newest first).
   * @default - the branch the environment files' Applications read (`repo.revision`)
   */
  readonly branch?: string;
  /**
   * Audit only this one commit (a commit id, or a branch or tag name, optionally with `~N`/`^N`).
   * @default - the branch's latest commits, up to `limit`
   */
  readonly ref?: string;
  /**
   * Most commits to audit, newest first (1 to {@link MAX_AUDIT_LIMIT}).
   * @default DEFAULT_AUDIT_LIMIT
   */
  readonly limit?: number;
  /**
   * Audit only the commits after this one (a commit id or ref of the envs repo, on the walked
   * line): e.g. the last commit before the environment files named signers.
   * @default - no lower bound but `limit`
   */
  readonly since?: string;
  /**
   * The source repo's branch publish takes commits from: every recorded source commit must be on it.
   * @default - the default branch of the source repo's `origin` (`main` without a remote)
   */
  readonly sourceBranch?: string;
}

/** What kind of finding: each is a reason the envs repo may hold what no reviewed source commit produced. */
export type AuditFindingKind = 'no-source-record' | 'source-missing' | 'source-not-published' | 'backward' | 'render-failed' | 'differs' | 'unsigned' | 'untrusted-signature';

/** A file of an environment folder that is not what the source commit renders. */
export interface AuditFileDifference {
  /** Path in the envs repo, e.g. `prod/tenants/acme/deployment-gateway.yaml`. */
  readonly path: string;
  /** `changed` (content or mode), `missing` (rendered, not in the envs commit) or `extra` (in the envs commit, not rendered). */
  readonly change: 'changed' | 'missing' | 'extra';
}

/** One finding of {@link audit}. */
export interface AuditFinding {
  /** The envs commit. */
  readonly commit: string;
  /** What was found. */
  readonly kind: AuditFindingKind;
  /** What was found, in a sentence a person acts on. */
  readonly message: string;
  /**
   * The source commit the envs commit records.
   * @default - none recorded
   */
  readonly sourceCommit?: string;
  /**
   * The files that differ (`differs`), at most 50.
   * @default - none
   */
  readonly files?: readonly AuditFileDifference[];
  /**
   * How many more files differ than are listed.
   * @default 0
   */
  readonly moreFiles?: number;
}

/** One envs commit that was audited. */
export interface AuditedCommit {
  /** The envs commit. */
  readonly commit: string;
  /** Its subject line. */
  readonly subject: string;
  /**
   * The source commit it records (`Source-Commit:`).
   * @default - none recorded
   */
  readonly sourceCommit?: string;
  /**
   * The trusted key that signed it.
   * @default - none, or signatures not checked
   */
  readonly signer?: string;
  /** How many findings it has. */
  readonly findings: number;
  /**
   * Why it passes although it is not a plain publish by this version: restores an earlier
   * published state, or matches its source commit's committed output (another renderer).
   * @default - none
   */
  readonly note?: string;
}

/** What {@link audit} found. */
export interface AuditResult {
  /** The envs repo (credentials masked). */
  readonly repo: string;
  /** What was walked: `branch <name>` or `ref <ref>`. */
  readonly walked: string;
  /** The commits audited, newest first. */
  readonly commits: readonly AuditedCommit[];
  /** Every finding, newest commit first. */
  readonly findings: readonly AuditFinding[];
  /** Whether the branch has older commits than the limit let it audit. */
  readonly truncated: boolean;
  /** How many trusted keys the environment files name (0: signatures are not checked). */
  readonly signers: number;
  /** How many distinct source inputs were rendered. */
  readonly rendered: number;
  /** What the reader should know about how the audit ran (e.g. a local branch behind its remote). */
  readonly warnings: readonly string[];
  /** No findings. */
  readonly ok: boolean;
}

/**
 * Audits the envs repo: for each commit of the published branch's first-parent line (newest first,
 * at most `limit`, after `since`), or the one `ref`, reads the source commit it records
 * (`Source-Commit:`), renders that commit's environments/ and tenants/ from the project's git
 * repository (in a temporary folder, with this library, each distinct input once) and compares every
 * file of each rendered environment's folder, byte for byte and mode, with the envs commit.
 *
 * Finds: a commit with no source record (unless it restores exactly what an older audited commit
 * published: a revert); a source commit the source repository lacks, or that is not on its published
 * branch (a pull request's commit); a source commit older than the one published before it with no
 * `Rollback:`; a file that differs (named, with the commit); a source commit that no longer renders;
 * and, when the environment files name signers (`repo.signers`), an unsigned commit or one no trusted
 * key signed. A commit rendered by another version of stoa-manifests (`Rendered-With:`, or none
 * recorded) passes when it is exactly its source commit's committed output folder, which CI checked
 * when it was reviewed. Environment folders the source commit does not render, and files outside
 * environment folders, are not compared.
 */
export function audit(options: AuditOptions): AuditResult {
  const limit = options.limit ?? DEFAULT_AUDIT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
    throw new WorkflowError(`--limit ${options.limit}: must be a whole number from 1 to ${MAX_AUDIT_LIMIT}`);
  }
  if (options.branch !== undefined) checkBranchName(options.branch);
  if (options.ref !== undefined) checkRevision(options.ref, 'ref');
  if (options.since !== undefined) checkRevision(options.since, 'since');
  if (options.ref !== undefined && options.since !== undefined) throw new WorkflowError('--ref audits one commit and --since a range: give one of them');
  const project = projectOf(options);
  const configs = projectEnvironments(project);
  const sourceRoot = repoRoot(project.projectDir);
  if (!sourceRoot) throw new WorkflowError(`${project.projectDir} is not in a git repository: audit renders the source commits from it. Run it in a clone of the source repository (git clone <source repo>), or give --project a folder of one`);
  const published = publishedBranchTip(sourceRoot, options.sourceBranch);
  const branch = options.branch ?? readBranch(configs);
  const local = fs.existsSync(options.repo) && fs.statSync(options.repo).isDirectory();
  const repo = local ? path.resolve(options.repo) : cloneBare(options.repo, branch);
  try {
    if (local && tryGit(repo, ['rev-parse', '--git-dir']) === undefined) throw new WorkflowError(`${options.repo} is not a git repository`);
    const warnings: string[] = [];
    if (published.remote && !published.refreshed) warnings.push(`the source repository's ${published.shown} could not be refreshed from origin: the last fetch was used`);
    let tip: string | undefined;
    if (options.ref !== undefined) {
      tip = tryGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${options.ref}^{commit}`])?.trim();
      if (!tip) throw new WorkflowError(`ref "${options.ref}" does not name a commit of the envs repo ${redactUrl(options.repo)}`);
    } else {
      const [head, remote] = [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]
        .map((r) => tryGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${r}^{commit}`])?.trim());
      tip = head ?? remote;
      if (!tip) throw new WorkflowError(`the envs repo ${redactUrl(options.repo)} has no branch ${branch}${options.branch === undefined ? ' (the repo.revision of the environment files; another: --branch)' : ''}`);
      // A local checkout is read as it is, not fetched: say so when it and its remote part.
      if (local && head && remote && head !== remote) warnings.push(`the local branch ${branch} (${head.slice(0, 12)}) is not origin/${branch} (${remote.slice(0, 12)}) as last fetched: the local branch was audited; to audit what Argo CD reads, fetch and update it, or give the repository's URL`);
    }
    if (tryGit(repo, ['cat-file', '-e', `${tip}:hydrator.metadata`]) !== undefined) {
      throw new WorkflowError(`${options.ref !== undefined ? `ref "${options.ref}"` : `branch ${branch}`} of the envs repo is in the source hydrator layout (hydrator.metadata at its root): audit reads the default layout only (docs/hydrator.md)`);
    }
    let since: string | undefined;
    if (options.since !== undefined) {
      since = tryGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${options.since}^{commit}`])?.trim();
      if (!since || !isAncestor(repo, since, tip)) throw new WorkflowError(`--since "${options.since}" is not a commit of the envs repo's ${branch}`);
    }
    const count = options.ref !== undefined ? 1 : limit;
    const records = envsRecords(repo, tip, count + 1, since);
    const truncated = options.ref === undefined && records.length > count;
    const sources = new RenderedSources(sourceRoot, project, objectFormat(repo));
    const committed = committedOutput(sourceRoot, project);
    const report = auditRecords(repo, records.slice(0, count), envsTrust(configs), {
      expected: (s) => sources.expected(s),
      committed,
      renderer: rendererId(project.catalog),
      unpublished: (s) => (isAncestor(sourceRoot, s, published.tip) ? undefined : `its source commit ${s.slice(0, 12)} is not on ${published.shown}, the branch publish takes its commits from (a pull request's commit, or one a force-push dropped)`),
      isAncestor: (older, newer) => isAncestor(sourceRoot, older, newer),
    });
    return {
      repo: redactUrl(options.repo), walked: options.ref !== undefined ? `ref ${options.ref}` : `branch ${branch}${options.since !== undefined ? ` after ${options.since}` : ''}`,
      ...report, truncated, signers: envsTrust(configs).signers.length, rendered: sources.renders, warnings,
    };
  } finally {
    if (!local) fs.rmSync(path.dirname(repo), { recursive: true, force: true });
  }
}

/** The branch every environment's Applications read; refused when they read different ones. */
function readBranch(configs: readonly EnvironmentConfig[]): string {
  const revisions = [...new Set(configs.map((c) => c.repo.revision))];
  if (revisions.length !== 1) throw new WorkflowError(`the environment files read ${revisions.length === 0 ? 'no branch' : `different branches (${revisions.join(', ')})`}: name the one to audit with --branch`);
  checkBranchName(revisions[0]);
  return revisions[0];
}

/** A bare clone of the envs repo at `url` (the branch only) in a new temporary folder; the caller deletes its parent. */
function cloneBare(url: string, branch: string): string {
  checkRepoLocation(url);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-audit-envs-'));
  const dir = path.join(parent, 'envs.git');
  try {
    git(parent, ['clone', '--quiet', '--bare', '--no-tags', '--single-branch', '--branch', branch, '--', url, dir]);
  } catch (e) {
    fs.rmSync(parent, { recursive: true, force: true });
    throw new WorkflowError(`cannot clone the envs repo ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  return dir;
}

/** One envs commit as {@link auditRecords} reads it. */
export interface EnvsRecord {
  readonly commit: string;
  readonly parent?: string;
  readonly subject: string;
  /** The `Source-Commit:` trailer values. */
  readonly sources: readonly string[];
  /** The `Rollback:` trailer: the reason a publish went back. */
  readonly rollback?: string;
  /** The `Rendered-With:` trailer: the stoa-manifests that rendered it. */
  readonly renderedWith?: string;
}

/** The newest `count` commits of `tip`'s first-parent line (after `since`) with their trailers. */
export function envsRecords(repo: string, tip: string, count: number, since?: string): EnvsRecord[] {
  const trailer = (key: string) => `%(trailers:key=${key},valueonly,separator=%x02)`;
  const log = git(repo, ['log', '--first-parent', `--max-count=${count}`, '-z',
    `--format=%H%x01%P%x01%s%x01${trailer('Source-Commit')}%x01${trailer('Rollback')}%x01${trailer('Rendered-With')}`, tip, ...(since ? [`^${since}`] : []), '--']);
  return log.split('\0').filter((r) => r.trim()).map((record) => {
    const [commit, parents, subject, sources, rollback, renderedWith] = record.trim().split('\x01');
    const one = (v: string | undefined) => v?.split('\x02')[0]?.trim() || undefined;
    return {
      commit, parent: parents.split(' ').filter(Boolean)[0], subject, sources: (sources ?? '').split('\x02').map((v) => v.trim()).filter(Boolean),
      ...(one(rollback) ? { rollback: one(rollback) } : {}), ...(one(renderedWith) ? { renderedWith: one(renderedWith) } : {}),
    };
  });
}

/** What a source commit renders: `<path>` to `<mode> <object id>`, and the environments (top folders) it renders. */
export type Expected = { readonly files: ReadonlyMap<string, string>; readonly environments: readonly string[] } | { readonly error: AuditFindingKind; readonly message: string };

/** How {@link auditRecords} judges the source commits the envs commits record. */
export interface SourceCheck {
  /** What the source commit should have put in the envs repo. */
  expected(sourceCommit: string): Expected;
  /**
   * What the source commit published (its committed output folder): accepted instead of `expected`
   * for an envs commit another renderer made (`Rendered-With:` other than `renderer`, or none).
   * @default - none: only `expected`
   */
  committed?(sourceCommit: string): Expected;
  /**
   * The renderer of `expected`, as `Rendered-With:` names it.
   * @default - none
   */
  readonly renderer?: string;
  /**
   * Why the source commit is not on the published branch; undefined when it is.
   * @default - not checked
   */
  unpublished?(sourceCommit: string): string | undefined;
  /**
   * Whether source commit `older` is an ancestor of `newer`: publishes go forward unless they say `Rollback:`.
   * @default - not checked
   */
  isAncestor?(older: string, newer: string): boolean;
}

/** The findings of `records` (newest first), each compared with what `check` says its source commit produces. */
export function auditRecords(
  repo: string, records: readonly EnvsRecord[], trust: EnvsTrust, check: SourceCheck,
): { commits: AuditedCommit[]; findings: AuditFinding[]; ok: boolean } {
  const signatures = checkSignatures(repo, trust.signers.length === 0 ? [] : records.map((r) => ({ commit: r.commit, changed: changedTopLevel(repo, r.commit, r.parent) })), trust);
  const short = (c: string) => c.slice(0, 12);
  // A commit without Rendered-With: may be from before the trailer existed, only if it is older than every commit that has one.
  const oldestRecorded = records.reduce((last, r, i) => (r.renderedWith !== undefined ? i : last), -1);
  const judged = records.map((r, index) => {
    const own: AuditFinding[] = [];
    let note: string | undefined;
    let matched: Exclude<Expected, { error: AuditFindingKind }> | undefined;
    const actual = lsTree(repo, r.commit, '');
    const sourceCommit = r.sources.length === 1 && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(r.sources[0]) ? r.sources[0] : undefined;
    const want = sourceCommit ? check.expected(sourceCommit) : undefined;
    if (sourceCommit && want) {
      const unpublished = 'error' in want && want.error === 'source-missing' ? undefined : check.unpublished?.(sourceCommit);
      if (unpublished) own.push({ commit: r.commit, kind: 'source-not-published', sourceCommit, message: `envs commit ${short(r.commit)}: ${unpublished}` });
      if ('error' in want) own.push({ commit: r.commit, kind: want.error, sourceCommit, message: `envs commit ${short(r.commit)}: ${want.message}` });
      else {
        const differences = compareTree(actual, want);
        const committed = differences.length > 0 ? check.committed?.(sourceCommit) : undefined;
        const asCommitted = committed !== undefined && !('error' in committed) && compareTree(actual, committed).length === 0;
        // Another renderer: a well-formed record of another one, or none from before the records began.
        const otherRenderer = r.renderedWith === undefined ? index > oldestRecorded : isRendererId(r.renderedWith) && r.renderedWith !== check.renderer;
        if (differences.length === 0) matched = want;
        else if (asCommitted && otherRenderer) {
          matched = committed;
          note = `rendered with ${r.renderedWith ?? 'a stoa-manifests from before Rendered-With: was recorded'}: exactly the output source commit ${short(sourceCommit)} committed (reviewed, and checked by CI); ${check.renderer ?? 'this version'} renders ${differences.length} file${differences.length === 1 ? '' : 's'} of it differently`;
        } else {
          own.push({
            commit: r.commit, kind: 'differs', sourceCommit, files: differences.slice(0, MAX_LISTED_FILES),
            ...(differences.length > MAX_LISTED_FILES ? { moreFiles: differences.length - MAX_LISTED_FILES } : {}),
            message: `envs commit ${short(r.commit)}: ${differences.length} file${differences.length === 1 ? ' is' : 's are'} not what source commit ${short(sourceCommit)} renders: ${differences.slice(0, 3).map((d) => `${visible(d.path)} (${d.change})`).join(', ')}${differences.length > 3 ? ', ...' : ''}${asCommitted
              ? ` (they are what it committed: its output folder was not what its sources render with ${r.renderedWith}, the version that published it)` : ''}`,
          });
        }
      }
    }
    return { r, own, sourceCommit, known: want !== undefined && !('error' in want && want.error === 'source-missing'), actual, matched, note };
  });
  // Oldest first: a revert of a revert finds the older revert already judged.
  for (let i = judged.length - 1; i >= 0; i--) {
    const j = judged[i];
    if (j.sourceCommit) {
      // Forward only: each publish comes after the one before it on the branch, unless it says it rolls back.
      const before = judged.slice(i + 1).find((o) => o.sourceCommit !== undefined);
      if (before && check.isAncestor && j.known && before.known && before.sourceCommit !== j.sourceCommit
        && !check.isAncestor(before.sourceCommit!, j.sourceCommit) && j.r.rollback === undefined) {
        j.own.push({ commit: j.r.commit, kind: 'backward', sourceCommit: j.sourceCommit, message: `envs commit ${short(j.r.commit)} publishes source commit ${short(j.sourceCommit)}, which does not come after ${short(before.sourceCommit!)} (published by envs commit ${short(before.r.commit)}), and records no Rollback: publish refuses that unless told --rollback "<reason>"` });
      }
      continue;
    }
    // No source record: a revert (or a reset) that puts back exactly what an audited commit published passes when it
    // undoes direct pushes (back to the last publish) or the last publish itself (back to the one before): further back
    // is a rollback over several publishes, which must say so (Rollback:).
    const older = judged.slice(i + 1);
    const restored = older.find((o) => o.matched !== undefined && o.own.length === 0 && compareTree(j.actual, o.matched).length === 0);
    if (restored) {
      const publishes = older.filter((o) => o.sourceCommit !== undefined);
      const back = publishes.indexOf(restored);
      const what = `restores exactly what envs commit ${short(restored.r.commit)} published (source commit ${short(restored.sourceCommit ?? restored.r.commit)})`;
      j.matched = restored.matched;
      if (back <= 1 || j.r.rollback !== undefined) {
        j.note = `not a publish, but ${what}${back === 1 ? ', undoing the last publish' : ''}`;
      } else {
        j.own.push({ commit: j.r.commit, kind: 'backward', message: `envs commit ${short(j.r.commit)} is not a publish: it ${what}, going back over ${back} publishes, and records no Rollback:` });
      }
      continue;
    }
    j.own.push({ commit: j.r.commit, kind: 'no-source-record', message: j.r.sources.length === 0
      ? `envs commit ${short(j.r.commit)} ("${visible(j.r.subject.slice(0, 80))}") records no Source-Commit and does not restore an audited publish: publish did not write it (a direct push?)`
      : `envs commit ${short(j.r.commit)} records ${j.r.sources.length === 1 ? `a Source-Commit that is not a commit id` : `${j.r.sources.length} Source-Commit trailers`}: publish writes exactly one` });
  }
  const findings: AuditFinding[] = [];
  const commits = judged.map((j): AuditedCommit => {
    const sig = signatures.get(j.r.commit);
    if (sig && sig.status !== 'trusted') {
      j.own.push({ commit: j.r.commit, kind: sig.status === 'unsigned' ? 'unsigned' : 'untrusted-signature', sourceCommit: j.sourceCommit, message: `envs commit ${short(j.r.commit)} is ${sig.status === 'unsigned' ? 'not signed, and the environment files name signers (repo.signers)' : sig.detail}` });
    }
    findings.push(...j.own);
    return {
      commit: j.r.commit, subject: j.r.subject, ...(j.sourceCommit ? { sourceCommit: j.sourceCommit } : {}), ...(sig?.signer ? { signer: sig.signer } : {}),
      findings: j.own.length, ...(j.note ? { note: j.note } : {}),
    };
  });
  return { commits, findings, ok: findings.length === 0 };
}

function lsTree(repo: string, treeish: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of git(repo, ['ls-tree', '-r', '--full-tree', '-z', treeish, '--']).split('\0').filter(Boolean)) {
    // "<mode> <type> <id>\t<path>"
    const tab = entry.indexOf('\t');
    const [mode, , id] = entry.slice(0, tab).split(' ');
    out.set(prefix + entry.slice(tab + 1), `${mode} ${id}`);
  }
  return out;
}

/** The differences of `actual` (an envs commit's files) from `want`, in each environment `want` renders. */
function compareTree(actual: ReadonlyMap<string, string>, want: { files: ReadonlyMap<string, string>; environments: readonly string[] }): AuditFileDifference[] {
  const out: AuditFileDifference[] = [];
  const inEnv = (p: string) => want.environments.some((e) => p.startsWith(`${e}/`));
  for (const [p, v] of want.files) {
    const a = actual.get(p);
    if (a === undefined) out.push({ path: p, change: 'missing' });
    else if (a !== v) out.push({ path: p, change: 'changed' });
  }
  for (const p of actual.keys()) if (inEnv(p) && !want.files.has(p)) out.push({ path: p, change: 'extra' });
  return out.sort((x, y) => compareStrings(x.path, y.path));
}

/** The object format of the repository (`sha1`, or `sha256`). */
function objectFormat(repo: string): string {
  return tryGit(repo, ['rev-parse', '--show-object-format'])?.trim() || 'sha1';
}

/** The id git gives a blob of `content` (what `git hash-object` prints). */
function blobId(content: Buffer, format: string): string {
  return crypto.createHash(format === 'sha256' ? 'sha256' : 'sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/**
 * The source commits of one audit, rendered from the source repository: only the project's
 * environments/ and tenants/ at that commit are written to a temporary folder (a temporary index,
 * never the user's), rendered with {@link renderProject} (validated, no cache), and kept as object ids.
 * Source commits whose inputs are the same trees render once.
 */
class RenderedSources {
  /** How many renders ran. */
  public renders = 0;
  private readonly byInput = new Map<string, Expected>();
  private readonly bySource = new Map<string, Expected>();
  private readonly rel: string;

  constructor(private readonly root: string, private readonly project: Project, private readonly format: string) {
    this.rel = path.relative(fs.realpathSync(root), fs.realpathSync(project.projectDir)).split(path.sep).join('/');
  }

  expected(source: string): Expected {
    let e = this.bySource.get(source);
    if (!e) {
      e = this.compute(source);
      this.bySource.set(source, e);
    }
    return e;
  }

  private compute(source: string): Expected {
    const at = (dir: string) => `${source}:${this.rel ? `${this.rel}/` : ''}${dir}`;
    const [commit, environments, tenants] = objectIds(this.root, [`${source}^{commit}`, at('environments'), at('tenants')]);
    if (commit === undefined) {
      const shallow = tryGit(this.root, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true';
      return { error: 'source-missing', message: `its source commit ${source.slice(0, 12)} is not in the source repository ${this.root}${shallow ? ' (a shallow clone: fetch the full history)' : ': a force-push dropped it, or it was never pushed; fetch it if another remote has it'}` };
    }
    const trees = { environments, tenants };
    if (!trees.environments) return { error: 'render-failed', message: `its source commit ${source.slice(0, 12)} has no ${this.rel ? `${this.rel}/` : ''}environments/ folder to render` };
    const key = `${trees.environments} ${trees.tenants ?? ''}`;
    let e = this.byInput.get(key);
    if (!e) {
      e = this.render(source, { environments: trees.environments, tenants: trees.tenants });
      this.byInput.set(key, e);
    }
    return e;
  }

  private render(source: string, trees: { environments: string; tenants?: string }): Expected {
    this.renders++;
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-audit-'));
    try {
      const dir = path.join(parent, 'project');
      fs.mkdirSync(dir);
      const env = { GIT_INDEX_FILE: path.join(parent, 'index') };
      git(this.root, ['read-tree', '--prefix=environments/', trees.environments], { env });
      if (trees.tenants) git(this.root, ['read-tree', '--prefix=tenants/', trees.tenants], { env });
      git(this.root, ['-c', 'core.hooksPath=/dev/null', `--work-tree=${dir}`, 'checkout-index', '--all', '--force'], { env });
      if (!trees.tenants) fs.mkdirSync(path.join(dir, 'tenants'), { recursive: true });
      let rendered;
      try {
        rendered = renderProject({ projectDir: dir, catalog: this.project.catalog });
      } catch (err) {
        return { error: 'render-failed', message: `its source commit ${source.slice(0, 12)} does not render with this version of stoa-manifests: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}` };
      }
      const files = new Map(rendered.files.map((f) => [f.path, `100644 ${blobId(Buffer.from(f.content, 'utf8'), this.format)}`]));
      return { files, environments: rendered.environments };
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  }
}

/**
 * What the source commit published: its committed output folder (`<out>/` of the project at that
 * commit), read from git, for the check publish runs on the envs head (see `publish`). Cheap (no
 * render), and the same whatever version of the library runs: publish checked, when it published,
 * that this folder was what the sources rendered.
 */
export function committedOutput(root: string, project: Project): (source: string) => Expected {
  const realRoot = fs.realpathSync(root);
  const outDir = fs.existsSync(project.outDir) ? fs.realpathSync(project.outDir) : project.outDir;
  const rel = path.relative(realRoot, outDir).split(path.sep).join('/');
  return (source) => {
    const outside = rel.startsWith('..') || path.isAbsolute(rel);
    const [commit, tree] = objectIds(root, outside ? [`${source}^{commit}`] : [`${source}^{commit}`, `${source}:${rel}`]);
    if (commit === undefined) {
      return { error: 'source-missing', message: `its source commit ${source.slice(0, 12)} is not in the source repository ${root}` };
    }
    if (outside) return { error: 'render-failed', message: `the output folder ${project.outDir} is outside the source repository: compare with stoa-manifests audit` };
    if (!tree) return { error: 'render-failed', message: `its source commit ${source.slice(0, 12)} has no ${rel}/ folder` };
    const files = lsTree(root, tree, '');
    return { files, environments: [...new Set([...files.keys()].map((p) => p.split('/')[0]))].sort(compareStrings) };
  };
}

/** The findings of {@link audit} as text: one line per commit, then each finding and its files. */
export function formatAudit(result: AuditResult, format: 'text' | 'json' = 'text'): string {
  if (format === 'json') return JSON.stringify(result, null, 2);
  const lines = [
    `audit of ${visible(result.repo)} (${visible(result.walked)}): ${result.commits.length} commit${result.commits.length === 1 ? '' : 's'}${result.truncated ? ' (older ones not audited: --limit)' : ''}, ${result.rendered} source render${result.rendered === 1 ? '' : 's'}, ${result.signers === 0 ? 'signatures not checked (no repo.signers)' : `${result.signers} trusted key${result.signers === 1 ? '' : 's'}`}`,
  ];
  for (const w of result.warnings) lines.push(`warning: ${visible(w)}`);
  for (const c of result.commits) {
    // Subjects are anyone's text: escaped, so that a commit cannot steer the terminal or forge a line.
    lines.push(`${c.findings === 0 ? 'ok  ' : 'FAIL'} ${c.commit.slice(0, 12)} ${visible(c.subject.slice(0, 72))}${c.signer ? ` [signed by ${visible(c.signer)}]` : ''}`);
    if (c.note) lines.push(`       ${visible(c.note)}`);
  }
  if (result.findings.length > 0) lines.push('', `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}:`);
  for (const f of result.findings) {
    lines.push(`  ${f.kind}: ${visible(f.message)}`);
    for (const d of f.files ?? []) lines.push(`    ${d.change.padEnd(7)} ${visible(d.path)}`);
    if (f.moreFiles) lines.push(`    ... and ${f.moreFiles} more`);
  }
  return lines.join('\n');
}
