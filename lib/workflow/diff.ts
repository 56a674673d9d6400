import * as fs from 'fs';
import * as path from 'path';
import { createTwoFilesPatch } from 'diff';
import { diffNameStatus, git, readFilesAt, resolveCommit } from '../git/git';
import { compareStrings } from '../sort';

/** Options of {@link diffRefs}. */
export interface DiffOptions {
  /**
   * Project folder (inside a git work tree) holding the output folder.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /** Base git ref (branch, tag, commit). */
  readonly base: string;
  /**
   * Head git ref.
   * @default - the working tree, untracked files included
   */
  readonly head?: string;
  /**
   * Output folder, relative to the project.
   * @default 'dist'
   */
  readonly outDir?: string;
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
  /** Environments with changes, in name order. */
  readonly environments: readonly EnvironmentChanges[];
  /** Files that differ in all. */
  readonly files: number;
}

/**
 * Compares the rendered output between two git refs (or a ref and the working
 * tree) and groups the differences per environment and Application. Git finds
 * which files differ; only those are read.
 */
export function diffRefs(options: DiffOptions): DiffResult {
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  const prefix = git(projectDir, ['rev-parse', '--show-prefix']).trim();
  const outRel = (options.outDir ?? 'dist').replace(/\/+$/, '');
  const inRepo = `${prefix}${outRel}`;
  const top = git(projectDir, ['rev-parse', '--show-toplevel']).trim();
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
  const before = readFilesAt(top, baseCommit, paths.filter((p) => statuses.get(p) !== 'added'));
  const after = head
    ? readFilesAt(top, headCommit!, paths.filter((p) => statuses.get(p) !== 'removed'))
    : new Map(paths.filter((p) => statuses.get(p) !== 'removed').map((p) => [p, fs.readFileSync(path.join(top, p), 'utf8')]));

  const readOnly = new Set(options.readOnlyEnvironments ?? ['prod']);
  const byFolder = new Map<string, FileChange[]>();
  for (const p of paths) {
    const rel = p.slice(inRepo.length + 1);
    const folder = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
    const list = byFolder.get(folder) ?? [];
    list.push({ path: rel, status: statuses.get(p)!, before: before.get(p), after: after.get(p) });
    byFolder.set(folder, list);
  }
  const envs = new Map<string, ApplicationChanges[]>();
  for (const [folder, files] of byFolder) {
    const environment = folder.split('/')[0];
    const count = (s: FileChange['status']) => files.filter((f) => f.status === s).length;
    const list = envs.get(environment) ?? [];
    list.push({ application: applicationOfFolder(folder), folder, added: count('added'), removed: count('removed'), changed: count('changed'), files });
    envs.set(environment, list);
  }
  const environments = [...envs.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([environment, applications]) => ({
    environment,
    readOnly: readOnly.has(environment),
    color: options.colors?.[environment],
    applications: applications.sort((a, b) => compareStrings(a.folder, b.folder)),
  }));
  return { base, head, environments, files: paths.length };
}

/**
 * The Argo CD Application that deploys a folder of the output, following the
 * layout Environment writes: `<env>/apps` is synced by `<env>-root`,
 * `<env>/platform/<c>` by `<env>-<c>`, `<env>/tenants/<t>` by `<env>-tenant-<t>`;
 * `<env>/bootstrap` is applied by hand.
 */
export function applicationOfFolder(folder: string): string {
  const [env, kind, name] = folder.split('/');
  if (kind === 'apps') return `${env}-root`;
  if (kind === 'bootstrap') return `${env} bootstrap (applied by hand)`;
  if (kind === 'platform' && name) return `${env}-${name}`;
  if (kind === 'tenants' && name) return `${env}-tenant-${name}`;
  return folder;
}

/** Limits that keep a report readable (and within a PR comment's size). */
export interface DiffReportLimits {
  /**
   * Lines of unified diff shown per file.
   * @default 300
   */
  readonly maxLinesPerFile?: number;
  /**
   * Characters of unified diff shown in all; further files are listed without their diff.
   * @default 50000
   */
  readonly maxDiffChars?: number;
}

/** The report for a pull request (`markdown`) or a terminal (`text`). */
export function formatDiff(result: DiffResult, format: 'markdown' | 'text', limits: DiffReportLimits = {}): string {
  const md = format === 'markdown';
  const maxLines = limits.maxLinesPerFile ?? 300;
  let budget = limits.maxDiffChars ?? 50000;
  const headName = result.head ? `\`${result.head.ref}\` (${result.head.commit})` : 'the working tree';
  const title = `stoa-manifests diff: \`${result.base.ref}\` (${result.base.commit}) → ${headName}`;
  const out: string[] = [md ? `## ${title}` : title.replace(/`/g, ''), ''];
  if (result.files === 0) {
    out.push('No changes to the rendered manifests.');
    return out.join('\n');
  }

  for (const env of result.environments.filter((e) => e.readOnly)) {
    const files = env.applications.reduce((n, a) => n + a.files.length, 0);
    const apps = env.applications.map((a) => a.application).join(', ');
    const line = `${env.environment} changes: ${files} file${files === 1 ? '' : 's'} in ${env.applications.length} Application${env.applications.length === 1 ? '' : 's'} (${apps}). ${env.environment} syncs manually: review before syncing.`;
    out.push(md ? `> [!WARNING]\n> **${line}**` : `!! ${line}`, '');
  }

  const dot: Record<string, string> = { green: '🟢', amber: '🟠', red: '🔴' };
  const envLabel = (e: EnvironmentChanges) => (md && e.color && dot[e.color] ? `${dot[e.color]} ${e.environment}` : e.environment);
  const rows = result.environments.flatMap((e) => e.applications.map((a) => [envLabel(e), a.application, a.added, a.removed, a.changed]));
  if (md) {
    out.push('| Environment | Application | Added | Removed | Changed |', '|---|---|--:|--:|--:|');
    for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  } else {
    const widths = [11, Math.max(11, ...rows.map((r) => String(r[1]).length))];
    out.push(`${'environment'.padEnd(widths[0])}  ${'application'.padEnd(widths[1])}  added  removed  changed`);
    for (const r of rows) out.push(`${String(r[0]).padEnd(widths[0])}  ${String(r[1]).padEnd(widths[1])}  ${String(r[2]).padStart(5)}  ${String(r[3]).padStart(7)}  ${String(r[4]).padStart(7)}`);
  }
  const appCount = rows.length;
  out.push('', `${result.files} file${result.files === 1 ? '' : 's'} changed in ${appCount} Application${appCount === 1 ? '' : 's'}.`);

  let omitted = 0;
  for (const env of result.environments) {
    out.push('', md ? `### ${envLabel(env)}` : `== ${env.environment} ==`);
    for (const app of env.applications) {
      for (const file of app.files) {
        const { text, added, removed } = unifiedDiff(file, maxLines);
        const label = `${file.path} ${file.status} (+${added} −${removed})`;
        if (text.length > budget) {
          omitted += 1;
          out.push(md ? `- \`${file.path}\` ${file.status} (+${added} −${removed}): diff omitted, report size limit reached` : `${label}: diff omitted, report size limit reached`);
          continue;
        }
        budget -= text.length;
        out.push(md
          ? `<details><summary><code>${file.path}</code> ${file.status} (+${added} −${removed})</summary>\n\n\`\`\`diff\n${text}\n\`\`\`\n\n</details>`
          : `--- ${label}\n${text}`);
      }
    }
  }
  if (omitted > 0) out.push('', `${omitted} diff${omitted === 1 ? '' : 's'} omitted to keep this report readable; run \`stoa-manifests diff --base ${result.base.ref}${result.head ? ` --head ${result.head.ref}` : ''}\` locally for all of them.`);
  return out.join('\n');
}

function unifiedDiff(file: FileChange, maxLines: number): { text: string; added: number; removed: number } {
  const patch = createTwoFilesPatch(`a/${file.path}`, `b/${file.path}`, file.before ?? '', file.after ?? '', undefined, undefined, { context: 3 });
  const lines = patch.split('\n').filter((l) => !l.startsWith('===') && l !== '').slice(2);
  const added = lines.filter((l) => l.startsWith('+')).length;
  const removed = lines.filter((l) => l.startsWith('-')).length;
  const shown = lines.length > maxLines
    ? [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more lines not shown`]
    : lines;
  return { text: shown.join('\n'), added, removed };
}
