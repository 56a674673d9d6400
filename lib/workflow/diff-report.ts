import { createTwoFilesPatch } from 'diff';
import type { DiffResult, EnvironmentChanges, FileChange } from './diff';
import { codeSpan, Escaper, escaperOf, html, longestRun, shellWord, visible } from './diff-escape';
import { applicationSummary, hotfixWarning, readOnlyWarning } from './diff-sections';

/** GitHub's limit on the body of a pull-request comment or description: 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * Default size of a Markdown report: {@link GITHUB_COMMENT_LIMIT} minus 1,536 bytes for what a CI
 * job adds around it (a marker comment to find its own comment again, a link to the full report).
 * Counted in UTF-8 bytes, never fewer than the characters GitHub counts.
 */
export const DEFAULT_MAX_REPORT_BYTES = GITHUB_COMMENT_LIMIT - 1_536;

/** Limits that keep a report readable, and a Markdown report within a PR comment's size. */
export interface DiffReportLimits {
  /**
   * Lines of unified diff shown per file.
   * @default 300 in Markdown; no limit in text
   */
  readonly maxLinesPerFile?: number;
  /**
   * Characters of unified diff shown in all; further files are listed without their diff.
   * @default 50000 in Markdown; no limit in text
   */
  readonly maxDiffChars?: number;
  /**
   * Size of the whole report in UTF-8 bytes. What does not fit is left out, lowest priority
   * first, and the report says what and how to see it: raw diffs (file by file, then whole
   * environments, dev before staging before prod), then Application summaries and table rows
   * of the environments listed last.
   * @default DEFAULT_MAX_REPORT_BYTES (64,000) in Markdown; no limit in text
   */
  readonly maxReportBytes?: number;
}

/** One file's raw diff, and the line that replaces it when it does not fit. */
interface RawFile {
  readonly block: string;
  readonly note: string;
  readonly chars: number;
}

/** An environment's section, every part of it, in report order. */
interface Plan {
  readonly env: EnvironmentChanges;
  readonly heading: string;
  readonly hotfix: string;
  readonly rows: readonly string[];
  readonly summaries: readonly string[];
  readonly raw: readonly RawFile[];
}

/** How much of each environment's parts a report shows. */
interface Shown {
  readonly rows: number;
  readonly summaries: number;
  /** Per file whether its diff is shown; `none`: the environment's raw diffs are left out as a whole. */
  readonly raw: readonly boolean[] | 'none';
}

/**
 * The report for a pull request (`markdown`) or a terminal (`text`): per environment, prod first
 * (read-only environments, then the reverse of the promotion order), a hotfix warning, a summary of
 * each Application (see {@link summarizeApplication}: what a reviewer reads first), then the raw
 * diffs. Every name that comes from the repository (refs, environment, Application and file names,
 * values) is escaped for where it goes: committed file names cannot open an HTML comment, close a
 * code fence or a table cell, or send control characters to a terminal. The report fits
 * {@link DiffReportLimits.maxReportBytes}; what is left out is said at the top and at the end.
 */
export function formatDiff(result: DiffResult, format: 'markdown' | 'text', limits: DiffReportLimits = {}): string {
  const e = escaperOf(format);
  const maxBytes = limits.maxReportBytes ?? (e.md ? DEFAULT_MAX_REPORT_BYTES : Infinity);
  const maxChars = limits.maxDiffChars ?? (e.md ? 50000 : Infinity);
  const maxLines = limits.maxLinesPerFile ?? (e.md ? 300 : Infinity);
  const envs = [...result.environments].reverse().sort((a, b) => Number(b.readOnly) - Number(a.readOnly));
  const appWidth = Math.max(11, ...envs.flatMap((x) => x.applications.map((a) => e.text(a.application).length)));
  const context: Context = { result, plans: envs.map((env) => planOf(env, e, maxLines, appWidth)), e, maxBytes, appWidth };
  const plans = context.plans;
  const all: Shown[] = plans.map((p) => ({ rows: p.rows.length, summaries: p.summaries.length, raw: p.raw.map(() => true) }));
  const chars = plans.reduce((n, p) => n + p.raw.reduce((m, f) => m + f.chars, 0), 0);
  const full = compose(context, all);
  if (chars <= maxChars && bytes(full) <= maxBytes) return full;

  // Too big: start from the report with every optional part left out (so its notes of what is left
  // out are at their largest), then add parts in priority order while they fit: every table row and
  // summary, environment by environment, before any raw diff.
  const budget = { bytes: maxBytes - bytes(compose(context, plans.map(() => ({ rows: 0, summaries: 0, raw: 'none' })))), chars: maxChars };
  const shown = plans.map((p) => ({ rows: fit(p.rows, budget), summaries: fit(p.summaries.map((s) => `\n${s}`), budget) }));
  const report = compose(context, plans.map((p, i) => ({ ...shown[i], raw: fitRaw(p.raw, budget) })));
  return bytes(report) <= maxBytes ? report : truncate(report, maxBytes, result, e);
}

/** What every part of a report is built from. */
interface Context {
  readonly result: DiffResult;
  readonly plans: readonly Plan[];
  readonly e: Escaper;
  readonly maxBytes: number;
  /** Width of the application column of a text table. */
  readonly appWidth: number;
}

function planOf(env: EnvironmentChanges, e: Escaper, maxLines: number, appWidth: number): Plan {
  const dot: Record<string, string> = { green: '🟢', amber: '🟠', red: '🔴' };
  const label = e.md && env.color && dot[env.color] ? `${dot[env.color]} ${e.text(env.environment)}` : e.text(env.environment);
  const rows = env.applications.map((a) => (e.md
    ? `| ${label} | ${e.text(a.application)} | ${a.added} | ${a.removed} | ${a.changed} |`
    : `${label.padEnd(11)}  ${e.text(a.application).padEnd(appWidth)}  ${String(a.added).padStart(5)}  ${String(a.removed).padStart(7)}  ${String(a.changed).padStart(7)}`));
  const raw = env.applications.flatMap((a) => a.files).map((file) => {
    const { text: diffText, added, removed } = unifiedDiff(file, maxLines);
    const counts = `${file.status} (+${added} −${removed})`;
    // The <details> line is an HTML block (no Markdown inside): HTML escapes only. The fence
    // is longer than any run of backticks in the diff, so no line of it can close the fence.
    const fence = e.md ? '`'.repeat(Math.max(3, longestRun(diffText, '`') + 1)) : '';
    return {
      block: e.md
        ? `<details><summary><code>${html(file.path)}</code> ${counts}</summary>\n\n${fence}diff\n${diffText}\n${fence}\n\n</details>`
        : `--- ${visible(file.path)} ${counts}\n${diffText}`,
      note: `${e.md ? `- ${codeSpan(file.path)}` : visible(file.path)} ${counts}: diff omitted, report size limit reached`,
      chars: diffText.length,
    };
  });
  return {
    env,
    heading: e.md ? `### ${label}` : `== ${visible(env.environment)} ==`,
    hotfix: hotfixWarning(env, e),
    rows,
    summaries: env.applications.map((a) => applicationSummary(a, e)),
    raw,
  };
}

/**
 * The report with `shown` parts of each plan. Showing more of a part never makes the notes of what
 * is left out longer, so the report that shows nothing bounds the size of every note.
 */
function compose({ result, plans, e, maxBytes, appWidth }: Context, shown: readonly Shown[]): string {
  const title = `stoa-manifests diff: ${e.code(result.base.ref)} (${result.base.commit}) → ${result.head ? `${e.code(result.head.ref)} (${result.head.commit})` : 'the working tree'}`;
  const out: string[] = [e.md ? `## ${title}` : title, ''];
  if (result.stale) {
    const n = result.stale.missing.length + result.stale.extra.length + result.stale.changed.length;
    const first = [...result.stale.changed, ...result.stale.missing, ...result.stale.extra].slice(0, 5).map((f) => e.text(f)).join(', ');
    const what = `the output at ${result.head ? e.code(result.head.ref) : 'the working tree'} is not what its sources produce (${n} file${n === 1 ? ' differs' : 's differ'}: ${first}${n > 5 ? ', ...' : ''}): this diff shows manifests no source change explains; run synth and commit`;
    out.push(e.md ? `> [!CAUTION]\n> ${what}` : `CAUTION: ${what}`, '');
  }
  const left = plans.map((p, i) => leftOut(p, shown[i]));
  if (result.files === 0) {
    out.push('No changes to the rendered manifests.');
  } else {
    for (const p of plans.filter((x) => x.env.readOnly && x.env.applications.length > 0)) out.push(readOnlyWarning(p.env, e), '');
    out.push(...(e.md
      ? ['| Environment | Application | Added | Removed | Changed |', '|---|---|--:|--:|--:|']
      : [`${'environment'.padEnd(11)}  ${'application'.padEnd(appWidth)}  added  removed  changed`]));
    plans.forEach((p, i) => {
      out.push(...p.rows.slice(0, shown[i].rows));
      if (left[i].rows > 0) out.push(e.md ? `| … | ${left[i].rows} more in ${e.text(p.env.environment)}, left out (report size limit) | | | |` : `... ${left[i].rows} more in ${visible(p.env.environment)}, left out (report size limit)`);
    });
    const apps = plans.reduce((n, p) => n + p.rows.length, 0);
    out.push('', `${result.files} file${result.files === 1 ? '' : 's'} changed in ${apps} Application${apps === 1 ? '' : 's'}.`);
  }
  const note = leftOutNote(plans, left, result, e, maxBytes);
  if (note) out.push('', note);

  plans.forEach((p, i) => {
    out.push('', p.heading);
    if (p.hotfix) out.push('', p.hotfix);
    for (const s of p.summaries.slice(0, shown[i].summaries)) out.push('', s);
    if (left[i].summaries > 0) out.push('', `${e.md ? '- ' : ''}summaries of ${left[i].summaries} more Application${left[i].summaries === 1 ? '' : 's'} left out (report size limit)`);
    const raw = shown[i].raw;
    if (p.raw.length > 0) out.push('');
    if (raw === 'none') {
      if (p.raw.length > 0) out.push(`${e.md ? '- ' : ''}raw diffs of ${p.raw.length} file${p.raw.length === 1 ? '' : 's'} left out (report size limit)`);
    } else {
      p.raw.forEach((f, j) => out.push(raw[j] ? f.block : f.note));
    }
  });
  const omitted = left.reduce((n, l) => n + l.raw, 0);
  if (omitted > 0) {
    out.push('', `${omitted} diff${omitted === 1 ? '' : 's'} omitted to keep this report readable; run ${e.code(command(result))} locally for all of them, with ${e.code('--format text')} (no size limit).`);
  }
  return out.join('\n');
}

/** How many rows, summaries and raw diffs of a plan `shown` leaves out. */
function leftOut(p: Plan, shown: Shown): { rows: number; summaries: number; raw: number } {
  return {
    rows: p.rows.length - shown.rows,
    summaries: p.summaries.length - shown.summaries,
    raw: shown.raw === 'none' ? p.raw.length : shown.raw.filter((s) => !s).length,
  };
}

/** The note near the top saying what was left out and how to see it; empty when nothing was. */
function leftOutNote(plans: readonly Plan[], left: ReturnType<typeof leftOut>[], result: DiffResult, e: Escaper, maxBytes: number): string {
  const parts = plans.flatMap((p, i) => {
    const l = left[i];
    const what = [
      ...(l.rows > 0 ? [`${l.rows} table row${l.rows === 1 ? '' : 's'}`] : []),
      ...(l.summaries > 0 ? [`summaries of ${l.summaries} Application${l.summaries === 1 ? '' : 's'}`] : []),
      ...(l.raw > 0 ? [`raw diffs of ${l.raw} file${l.raw === 1 ? '' : 's'}`] : []),
    ];
    return what.length > 0 ? [`${e.text(p.env.environment)}: ${what.join(', ')}`] : [];
  });
  if (parts.length === 0) return '';
  const limit = Number.isFinite(maxBytes) ? ` (${String(maxBytes).replace(/\B(?=(\d{3})+$)/g, ',')} bytes at most${e.md ? ', for a pull-request comment' : ''})` : '';
  const full = `${command(result)} --format text`;
  const text = `This report is cut to fit its size limit${limit}. Left out: ${parts.join('; ')}. For everything, run ${e.code(full)} in a checkout (here: ${e.code(`npm run -s cli -- ${full.slice('stoa-manifests '.length)}`)}), or open the full report if the CI job keeps it as an artifact.`;
  return e.md ? `> [!NOTE]\n> ${text}` : `NOTE: ${text}`;
}

/** The command that shows this diff. */
function command(result: DiffResult): string {
  return `stoa-manifests diff --base ${shellWord(result.base.ref)}${result.head ? ` --head ${shellWord(result.head.ref)}` : ''}`;
}

/** How many of `parts` (in order) fit the budget, each joined by a line break; takes their bytes. */
function fit(parts: readonly string[], budget: { bytes: number }): number {
  let n = 0;
  for (const part of parts) {
    const cost = bytes(part) + 1;
    if (cost > budget.bytes) break;
    budget.bytes -= cost;
    n++;
  }
  return n;
}

/**
 * Which raw diffs of an environment fit: all of them; else every file listed, with as many diffs
 * as fit, in order; else none (one line for the whole environment, already counted).
 */
function fitRaw(files: readonly RawFile[], budget: { bytes: number; chars: number }): Shown['raw'] {
  const sum = (f: (r: RawFile) => number) => files.reduce((n, r) => n + f(r), 0);
  const all = sum((r) => bytes(r.block) + 1);
  const chars = sum((r) => r.chars);
  if (all <= budget.bytes && chars <= budget.chars) {
    budget.bytes -= all;
    budget.chars -= chars;
    return files.map(() => true);
  }
  const notes = sum((r) => bytes(r.note) + 1);
  if (notes > budget.bytes) return 'none';
  budget.bytes -= notes;
  return files.map((r) => {
    const extra = bytes(r.block) - bytes(r.note);
    if (extra > budget.bytes || r.chars > budget.chars) return false;
    budget.bytes -= extra;
    budget.chars -= r.chars;
    return true;
  });
}

/** A last resort that never applies short of hundreds of environments: cut at a line, and say so. */
function truncate(report: string, maxBytes: number, result: DiffResult, e: Escaper): string {
  const tail = `\n\n… cut at ${maxBytes} bytes; run ${e.code(`${command(result)} --format text`)} for the full report.`;
  const room = Buffer.from(report, 'utf8').subarray(0, Math.max(0, maxBytes - bytes(tail))).toString('utf8');
  return `${room.slice(0, Math.max(0, room.lastIndexOf('\n')))}${tail}`;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
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
