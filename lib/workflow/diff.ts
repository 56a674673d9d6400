import * as fs from 'fs';
import * as path from 'path';
import { applicationOfFolder } from '../layout/output-layout';
import { diffNameStatus, git, resolveCommit } from '../git/git';
import { compareStrings } from '../sort';
import { Violation } from '../validate/policy';
import { VALIDATION_RULES } from '../validate/validate';
import { committedOutputOf, foldersAt, readCommitted, readWorkingFile } from './diff-files';
import { HotfixChange, hotfixChanges, inspectHead, StaleOutput } from './diff-head';
import { ApplicationSummary, summarizeApplication } from './diff-summary';
import { ProjectLocation, projectOf } from '../project/project';

export { MAX_DIFF_FILE_BYTES } from './diff-files';
export type { HotfixChange, StaleOutput } from './diff-head';
export * from './diff-summary';

/**
 * Options of {@link diffRefs}: the project (its folder inside a git work tree; the output
 * folder, relative to the project, must be in the same work tree) and the refs to compare.
 */
export interface DiffOptions extends ProjectLocation {
  /** Base git ref (branch, tag, commit). */
  readonly base: string;
  /**
   * Head git ref.
   * @default - the working tree, untracked files included
   */
  readonly head?: string;
  /**
   * Environments flagged at the top of the report when they change.
   * @default ['prod']
   */
  readonly readOnlyEnvironments?: readonly string[];
  /**
   * Report color of each environment (green, amber, red), shown as a dot in Markdown.
   * @default - no colors
   */
  readonly colors?: Readonly<Record<string, string>>;
}

/** One file that differs. */
export interface FileChange {
  /** Path relative to the output folder. */
  readonly path: string;
  /** Whether the file is new, gone or different. */
  readonly status: 'added' | 'removed' | 'changed';
  /**
   * Content at base.
   * @default - none: the file was added
   */
  readonly before?: string;
  /**
   * Content at head.
   * @default - none: the file was removed
   */
  readonly after?: string;
}

/** The policy rule results of one Application's folder in the head's output. */
export interface ApplicationRules {
  /** How many rules were checked (every rule of `validate`). */
  readonly checked: number;
  /** Violations in the folder, files relative to the output folder, by file then rule. */
  readonly violations: readonly Violation[];
}

/** The changes of one Argo CD Application (one folder of the output). */
export interface ApplicationChanges {
  /** Application name, e.g. `dev-tenant-acme`. */
  readonly application: string;
  /** Its source folder, e.g. `dev/tenants/acme`. */
  readonly folder: string;
  /** Files added. */
  readonly added: number;
  /** Files removed. */
  readonly removed: number;
  /** Files changed. */
  readonly changed: number;
  /** Every file that differs. */
  readonly files: readonly FileChange[];
  /**
   * What changed, read from the objects of the files (see {@link summarizeApplication}).
   * @default - none: reports compute it from `files`
   */
  readonly summary?: ApplicationSummary;
  /**
   * Policy rule results of the folder in the head's output.
   * @default - none: not validated, or the folder is gone at head
   */
  readonly rules?: ApplicationRules;
}

/** The changes of one environment. */
export interface EnvironmentChanges {
  /** Environment name (the top folder). */
  readonly environment: string;
  /** Whether it is read-only (prod): flagged at the top of reports. */
  readonly readOnly: boolean;
  /**
   * Its report color.
   * @default - none
   */
  readonly color?: string;
  /** Applications with changes, by folder. */
  readonly applications: readonly ApplicationChanges[];
  /**
   * Hotfix records of the head's environment file that are new or changed since the base:
   * versions set directly in the environment instead of by promotion, each with its reason.
   * @default - none
   */
  readonly hotfixes?: readonly HotfixChange[];
}

/** What {@link diffRefs} found. */
export interface DiffResult {
  /** Base as given, and its short commit. */
  readonly base: { readonly ref: string; readonly commit: string };
  /**
   * Head as given and its short commit.
   * @default - the working tree
   */
  readonly head?: { readonly ref: string; readonly commit: string };
  /**
   * Environments with changed files or hotfix records, in the head's promotion order (dev →
   * staging → prod; environments the head does not define first, by name). Reports list them
   * the other way round: prod first.
   */
  readonly environments: readonly EnvironmentChanges[];
  /** Files that differ in all. */
  readonly files: number;
  /**
   * Files of the head's output that are not what the head's sources produce (rendered from the
   * head's `environments/` and `tenants/`): the diff then shows a `dist/` nobody reviewed the sources of.
   * @default - none: the head's output is current
   */
  readonly stale?: StaleOutput;
}

/**
 * Compares the rendered output between two git refs (or a ref and the working
 * tree) and groups the differences per environment and Application. Git finds
 * which files differ; only those are read. Each Application gets a summary of
 * its objects' changes and its policy rule results at the head: the head's sources are
 * rendered and compared with the head's output (rendering validates, so a current output
 * passes every rule; a stale one is validated itself, as `validate` would). Each environment
 * gets the hotfix records its head file adds or changes.
 */
export function diffRefs(options: DiffOptions): DiffResult {
  const project = projectOf(options);
  const { top, prefix, inRepo } = committedOutputOf(project, 'diff compares');
  // Checked before git sees them: a ref like "--output=x" must never reach git as an option.
  const baseCommit = resolveCommit(top, options.base, 'base');
  const headCommit = options.head === undefined ? undefined : resolveCommit(top, options.head, 'head');
  const short = (commit: string) => git(top, ['rev-parse', '--short', commit]).trim();
  const base = { ref: options.base, commit: short(baseCommit) };
  const head = options.head === undefined ? undefined : { ref: options.head, commit: short(headCommit!) };

  const statuses = new Map<string, FileChange['status']>();
  for (const c of diffNameStatus(top, [baseCommit, ...(headCommit ? [headCommit] : []), '--', inRepo])) {
    statuses.set(c.path, c.status === 'A' ? 'added' : c.status === 'D' ? 'removed' : 'changed');
  }
  if (!head) {
    for (const f of git(top, ['ls-files', '--others', '--exclude-standard', '-z', '--', inRepo]).split('\0').filter(Boolean)) {
      statuses.set(f, 'added');
    }
  }

  const paths = [...statuses.keys()].sort(compareStrings);
  const before = readCommitted(top, baseCommit, inRepo, paths.filter((p) => statuses.get(p) !== 'added'));
  const after = head
    ? readCommitted(top, headCommit!, inRepo, paths.filter((p) => statuses.get(p) !== 'removed'))
    : new Map(paths.filter((p) => statuses.get(p) !== 'removed').map((p) => [p, readWorkingFile(path.join(top, p))]));

  const byFolder = new Map<string, FileChange[]>();
  for (const p of paths) {
    const rel = p.slice(inRepo.length + 1);
    const list = byFolder.get(folderOf(rel)) ?? [];
    list.push({ path: rel, status: statuses.get(p)!, before: before.get(p), after: after.get(p) });
    byFolder.set(folderOf(rel), list);
  }
  const inspection = inspectHead(top, prefix, inRepo, headCommit, project.catalog);
  const violations = new Map<string, Violation[]>();
  for (const v of inspection.violations) {
    // A violation names a file (its folder is the Application's) or a folder (an Application's own).
    for (const folder of new Set([folderOf(v.file), v.file])) {
      if (!violations.has(folder)) violations.set(folder, []);
      violations.get(folder)!.push(v);
    }
  }
  // An Application whose folder is gone at head has no rule results: nothing of it is deployed.
  let committedFolders: Set<string> | undefined;
  const atHead = (folder: string) => (headCommit
    ? (committedFolders ??= foldersAt(top, headCommit, inRepo)).has(folder)
    : fs.lstatSync(path.join(top, inRepo, folder), { throwIfNoEntry: false })?.isDirectory() === true);
  const envs = new Map<string, ApplicationChanges[]>();
  for (const [folder, files] of byFolder) {
    const environment = folder.split('/')[0];
    const count = (s: FileChange['status']) => files.filter((f) => f.status === s).length;
    const list = envs.get(environment) ?? [];
    list.push({
      application: applicationOfFolder(folder), folder, added: count('added'), removed: count('removed'), changed: count('changed'), files,
      summary: summarizeApplication(files),
      ...(files.some((f) => f.status !== 'removed') || atHead(folder) ? { rules: { checked: VALIDATION_RULES.length, violations: violations.get(folder) ?? [] } } : {}),
    });
    envs.set(environment, list);
  }

  const hotfixes = hotfixChanges(top, prefix, baseCommit, inspection.environments);
  const promotion = inspection.environments.map((e) => e.name);
  const readOnly = new Set(options.readOnlyEnvironments ?? ['prod']);
  const environments = [...new Set([...envs.keys(), ...hotfixes.keys()])]
    .sort((a, b) => promotion.indexOf(a) - promotion.indexOf(b) || compareStrings(a, b))
    .map((environment) => ({
      environment,
      readOnly: readOnly.has(environment),
      color: options.colors?.[environment],
      applications: (envs.get(environment) ?? []).sort((a, b) => compareStrings(a.folder, b.folder)),
      hotfixes: hotfixes.get(environment) ?? [],
    }));
  return { base, head, environments, files: paths.length, ...(inspection.stale ? { stale: inspection.stale } : {}) };
}

/** The folder of a path of the output (`.` for a file at its top). */
function folderOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
}

export { applicationOfFolder } from '../layout/output-layout';
