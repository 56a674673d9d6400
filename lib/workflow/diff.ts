import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createTwoFilesPatch } from 'diff';
import { diffNameStatus, git, readFilesAt, resolveCommit } from '../git/git';
import { compareStrings } from '../sort';
import { checkOutput, render } from '../synth';

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
  /**
   * Files of the head's output that are not what the head's sources produce (rendered from the
   * head's `environments/` and `tenants/`): the diff then shows a `dist/` nobody reviewed the sources of.
   * @default - none: the head's output is current
   */
  readonly stale?: { readonly missing: readonly string[]; readonly extra: readonly string[]; readonly changed: readonly string[] };
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
  const before = readCommitted(top, baseCommit, inRepo, paths.filter((p) => statuses.get(p) !== 'added'));
  const after = head
    ? readCommitted(top, headCommit!, inRepo, paths.filter((p) => statuses.get(p) !== 'removed'))
    : new Map(paths.filter((p) => statuses.get(p) !== 'removed').map((p) => [p, readWorkingFile(path.join(top, p))]));

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
  const stale = staleOutput(top, prefix, inRepo, headCommit);
  return { base, head, environments, files: paths.length, ...(stale ? { stale } : {}) };
}

/** Files at `commit`, a symbolic link shown as in the working tree: `symlink -> <its link text>`. */
function readCommitted(top: string, commit: string, dir: string, paths: readonly string[]): Map<string, string | undefined> {
  const files = readFilesAt(top, commit, paths);
  if (paths.length === 0) return files;
  // Git stores a link's text as its blob; the mode (120000) tells it from a file holding that text.
  for (const entry of git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', dir]).split('\0')) {
    const file = entry.slice(entry.indexOf('\t') + 1);
    if (entry.startsWith('120000 ') && files.get(file) !== undefined) files.set(file, `symlink -> ${files.get(file)}\n`);
  }
  return files;
}

/** Working-tree files larger than this (10 MB) are summarized in a diff, not read. */
export const MAX_DIFF_FILE_BYTES = 10 * 1024 * 1024;

/**
 * A working-tree file as the diff shows it, never following a link: a symbolic link is its
 * link text (`symlink -> target`), as git stores it, since its target may be any file of the
 * machine (`/proc/self/environ` in CI); anything but a regular file, and a file over
 * {@link MAX_DIFF_FILE_BYTES}, is a one-line note. Undefined when the file is gone.
 */
function readWorkingFile(file: string): string | undefined {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) return `symlink -> ${fs.readlinkSync(file)}\n`;
  if (!stat.isFile()) return `(not shown: not a regular file, but ${kindOf(stat)})\n`;
  // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since the lstat is neither followed nor waited on.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return `(not shown: not a regular file, but ${kindOf(opened)})\n`;
    if (opened.size > MAX_DIFF_FILE_BYTES) return `(not shown: ${opened.size} bytes, over the ${MAX_DIFF_FILE_BYTES / 1024 / 1024} MB a diff reads)\n`;
    const buffer = Buffer.alloc(MAX_DIFF_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length;) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      length += n;
    }
    // A file that grew past the limit after the fstat.
    if (length > MAX_DIFF_FILE_BYTES) return `(not shown: over the ${MAX_DIFF_FILE_BYTES / 1024 / 1024} MB a diff reads)\n`;
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'a special file';
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

/**
 * How the output at the head differs from what the head's sources produce: in the working tree,
 * {@link checkOutput}; at a commit, the sources of that commit rendered in a temporary folder and
 * compared with the output committed there. Undefined when they agree.
 */
function staleOutput(top: string, prefix: string, inRepo: string, headCommit: string | undefined): DiffResult['stale'] {
  const projectDir = path.join(top, prefix);
  if (headCommit === undefined) {
    const check = checkOutput({ projectDir, outDir: path.join(top, inRepo) });
    return check.upToDate ? undefined : { missing: check.missing, extra: check.extra, changed: check.changed };
  }
  const listAt = (dir: string) => git(top, ['ls-tree', '-r', '-z', '--name-only', headCommit, '--', dir]).split('\0').filter(Boolean);
  const sources = [...listAt(`${prefix}environments`), ...listAt(`${prefix}tenants`)];
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-head-'));
  try {
    for (const [file, text] of readFilesAt(top, headCommit, sources)) {
      if (text === undefined) continue;
      const target = path.join(temp, file.slice(prefix.length));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    const expected = new Map(render({ projectDir: temp }).files.map((f) => [f.path, f.content]));
    const committed = listAt(inRepo).map((f) => f.slice(inRepo.length + 1));
    const actual = readFilesAt(top, headCommit, committed.map((f) => `${inRepo}/${f}`));
    const missing = [...expected.keys()].filter((f) => !committed.includes(f));
    const extra = committed.filter((f) => !expected.has(f)).sort(compareStrings);
    const changed = [...expected.keys()].filter((f) => committed.includes(f) && actual.get(`${inRepo}/${f}`) !== expected.get(f));
    return missing.length + extra.length + changed.length === 0 ? undefined : { missing, extra, changed };
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * The diff for bots (`diff --format json`): refs and commits, then per environment (read-only
 * ones flagged) and Application, the counts and every changed file with its status. File
 * contents are left out: a bot that needs them reads them from git at the two commits.
 */
export function diffJson(result: DiffResult): string {
  return JSON.stringify({
    base: result.base,
    head: result.head ?? null,
    files: result.files,
    stale: result.stale ?? null,
    environments: result.environments.map((e) => ({
      environment: e.environment,
      readOnly: e.readOnly,
      applications: e.applications.map((a) => ({
        application: a.application, folder: a.folder, added: a.added, removed: a.removed, changed: a.changed,
        files: a.files.map((f) => ({ path: f.path, status: f.status })),
      })),
    })),
  }, null, 2);
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

/**
 * The report for a pull request (`markdown`) or a terminal (`text`). Every name that comes from
 * the repository (refs, environment, Application and file names) is escaped for where it goes:
 * committed file names cannot open an HTML comment, close a code fence or a table cell, or send
 * control characters to a terminal.
 */
export function formatDiff(result: DiffResult, format: 'markdown' | 'text', limits: DiffReportLimits = {}): string {
  const md = format === 'markdown';
  const maxLines = limits.maxLinesPerFile ?? 300;
  let budget = limits.maxDiffChars ?? 50000;
  // `code` for Markdown, plain (control characters made visible) for a terminal.
  const code = md ? codeSpan : visible;
  const text = md ? markdownText : visible;
  const headName = result.head ? `${code(result.head.ref)} (${result.head.commit})` : 'the working tree';
  const title = `stoa-manifests diff: ${code(result.base.ref)} (${result.base.commit}) → ${headName}`;
  const out: string[] = [md ? `## ${title}` : title, ''];
  if (result.stale) {
    const n = result.stale.missing.length + result.stale.extra.length + result.stale.changed.length;
    const first = [...result.stale.changed, ...result.stale.missing, ...result.stale.extra].slice(0, 5).map((f) => text(f)).join(', ');
    const what = `the output at ${result.head ? code(result.head.ref) : 'the working tree'} is not what its sources produce (${n} file${n === 1 ? ' differs' : 's differ'}: ${first}${n > 5 ? ', ...' : ''}): this diff shows manifests no source change explains; run synth and commit`;
    out.push(md ? `> [!CAUTION]\n> ${what}` : `CAUTION: ${what}`, '');
  }
  if (result.files === 0) {
    out.push('No changes to the rendered manifests.');
    return out.join('\n');
  }

  for (const env of result.environments.filter((e) => e.readOnly)) {
    const files = env.applications.reduce((n, a) => n + a.files.length, 0);
    const apps = env.applications.map((a) => text(a.application)).join(', ');
    const name = text(env.environment);
    const line = `${name} changes: ${files} file${files === 1 ? '' : 's'} in ${env.applications.length} Application${env.applications.length === 1 ? '' : 's'} (${apps}). ${name} syncs manually: review before syncing.`;
    out.push(md ? `> [!WARNING]\n> **${line}**` : `!! ${line}`, '');
  }

  const dot: Record<string, string> = { green: '🟢', amber: '🟠', red: '🔴' };
  const envLabel = (e: EnvironmentChanges) => (md && e.color && dot[e.color] ? `${dot[e.color]} ${text(e.environment)}` : text(e.environment));
  const rows = result.environments.flatMap((e) => e.applications.map((a) => [envLabel(e), text(a.application), a.added, a.removed, a.changed]));
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
    out.push('', md ? `### ${envLabel(env)}` : `== ${visible(env.environment)} ==`);
    for (const app of env.applications) {
      for (const file of app.files) {
        const { text: diffText, added, removed } = unifiedDiff(file, maxLines);
        const counts = `${file.status} (+${added} −${removed})`;
        if (diffText.length > budget) {
          omitted += 1;
          out.push(md ? `- ${codeSpan(file.path)} ${counts}: diff omitted, report size limit reached` : `${visible(file.path)} ${counts}: diff omitted, report size limit reached`);
          continue;
        }
        budget -= diffText.length;
        // The <details> line is an HTML block (no Markdown inside): HTML escapes only. The fence
        // is longer than any run of backticks in the diff, so no line of it can close the fence.
        const fence = '`'.repeat(Math.max(3, longestRun(diffText, '`') + 1));
        out.push(md
          ? `<details><summary><code>${html(file.path)}</code> ${counts}</summary>\n\n${fence}diff\n${diffText}\n${fence}\n\n</details>`
          : `--- ${visible(file.path)} ${counts}\n${diffText}`);
      }
    }
  }
  if (omitted > 0) {
    const command = `stoa-manifests diff --base ${shellWord(result.base.ref)}${result.head ? ` --head ${shellWord(result.head.ref)}` : ''}`;
    out.push('', `${omitted} diff${omitted === 1 ? '' : 's'} omitted to keep this report readable; run ${md ? codeSpan(command) : visible(command)} locally for all of them.`);
  }
  return out.join('\n');
}

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides
 * as `\xNN` / `\u{N}` escapes: a name cannot break a line, steer a terminal or reorder what is shown.
 */
function visible(s: string): string {
  return s.replace(/[\0-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/** Text for HTML: `& < > "` as entities. */
function html(s: string): string {
  return visible(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text for Markdown (table cells included): HTML escaped, and the characters Markdown reads backslash-escaped. */
function markdownText(s: string): string {
  return html(s).replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

/** A Markdown code span whose backtick fence is longer than any run of backticks in `s`. */
function codeSpan(s: string): string {
  const v = visible(s);
  const fence = '`'.repeat(longestRun(v, '`') + 1);
  // A space keeps a leading or trailing backtick from joining the fence; Markdown strips it.
  const pad = v.startsWith('`') || v.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${v}${pad}${fence}`;
}

function longestRun(s: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of s) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** `s` as one shell word: single-quoted unless it is plain. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._\/~^@+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function unifiedDiff(file: FileChange, maxLines: number): { text: string; added: number; removed: number } {
  // Fixed names: the header lines are dropped, and a file name with a line break would split one into the diff.
  const patch = createTwoFilesPatch('a', 'b', file.before ?? '', file.after ?? '', undefined, undefined, { context: 3 });
  const lines = patch.split('\n').filter((l) => !l.startsWith('===') && l !== '').slice(2);
  const added = lines.filter((l) => l.startsWith('+')).length;
  const removed = lines.filter((l) => l.startsWith('-')).length;
  const shown = lines.length > maxLines
    ? [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more lines not shown`]
    : lines;
  return { text: shown.join('\n'), added, removed };
}
