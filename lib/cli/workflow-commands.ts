import * as path from 'path';
import { projectEnvironments, readOnlyEnvironmentNames } from '../project/project';
import { diffRefs } from '../workflow/diff';
import { diffJson } from '../workflow/diff-json';
import { formatDiff } from '../workflow/diff-report';
import { planRefs } from '../workflow/plan';
import { formatPlan, planJson } from '../workflow/plan-report';
import { promote } from '../workflow/promote';
import { checkPromotions, formatPromotionCheck } from '../workflow/promotion-check';
import { audit, formatAudit, MAX_AUDIT_LIMIT } from '../workflow/audit';
import { setImage } from '../workflow/set-image';
import { guarded, json, Output, OutputFormat, PROCESS_OUTPUT, projectOfFlags } from './commands';
import { ExitCode, UsageError } from './exit-codes';

// The workflow verbs (git, diff, publish), loaded when one runs: synth and check start without them.
export { tenantAddCommand, tenantListCommand, tenantRemoveCommand } from './tenant-commands';
export { previewCloseCommand, previewPublishCommand, publishCommand } from './publish-commands';

/** `--max-bytes <n>`: a whole number of bytes a report may take. */
function maxBytesOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1000 && n <= 1_000_000)) throw new UsageError(`--max-bytes ${JSON.stringify(value)}: must be a whole number from 1000 to 1000000`);
  return n;
}

/**
 * `diff --base <ref> [--head <ref>] [--format markdown|text|json] [--max-bytes n]`: Markdown within a PR comment's
 * size (`DEFAULT_MAX_REPORT_BYTES`), text in full, JSON for bots with the same summaries and hotfixes.
 */
export function diffCommand(options: { project?: string; base: string; head?: string; format?: 'markdown' | 'text' | 'json'; maxBytes?: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'diff' }, () => {
    const maxReportBytes = maxBytesOf(options.maxBytes);
    const project = projectOfFlags(options);
    const envs = projectEnvironments(project);
    const result = diffRefs({
      ...project, base: options.base, head: options.head,
      readOnlyEnvironments: readOnlyEnvironmentNames(envs),
      colors: Object.fromEntries(envs.map((e) => [e.name, e.color])),
    });
    io.out(options.format === 'json' ? diffJson(result) : formatDiff(result, options.format ?? 'markdown', { maxReportBytes }));
    return ExitCode.OK;
  });
}

/**
 * `plan --base <ref> [--head <ref>] [--format markdown|text|json]`: what Argo CD will do, offline.
 * Exit 0 when the plan is OK, 1 when a data-loss finding is not acknowledged (the report is printed either way).
 */
export function planCommand(options: { project?: string; base: string; head?: string; format?: 'markdown' | 'text' | 'json'; maxBytes?: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'plan' }, () => {
    const maxReportBytes = maxBytesOf(options.maxBytes);
    const result = planRefs({ ...projectOfFlags(options), base: options.base, head: options.head });
    io.out(options.format === 'json' ? planJson(result) : formatPlan(result, options.format ?? 'markdown', { maxReportBytes }));
    if (result.blocked) io.err(`stoa-manifests: plan blocked: ${result.findings.filter((f) => f.blocked).length} data-loss finding(s) nobody acknowledged (see the report)`);
    return result.blocked ? ExitCode.NO : ExitCode.OK;
  });
}

/** `set-image <component> <version> --env <env> [--hotfix reason] [--format text|json]`. */
export function setImageCommand(component: string, version: string, options: { project?: string; env: string; hotfix?: string; format?: OutputFormat }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'set-image' }, () => {
    const r = setImage({ ...projectOfFlags(options), environment: options.env, component, version, hotfix: options.hotfix });
    const file = path.relative(process.cwd(), r.file);
    if (options.format === 'json') {
      io.out(json({ environment: r.environment, component: r.component, from: r.from, to: r.to, changed: r.changed, hotfix: r.hotfix ?? null, file }));
      return ExitCode.OK;
    }
    io.out(r.changed
      ? `${r.environment}: ${r.component} ${r.from} -> ${r.to}${r.hotfix !== undefined ? ` as a HOTFIX (recorded: ${r.hotfix})` : ''} (${file}); run synth to render it${r.hotfix !== undefined ? `, commit, then promote ${r.environment} onward (stoa-manifests promote ${r.environment} <next>) in a later commit` : ''}`
      : `${r.environment}: ${r.component} is already ${r.to}; nothing changed`);
    return ExitCode.OK;
  });
}

/** `promote <from> <to> [--no-tenants] [--format text|json]`. */
export function promoteCommand(from: string, to: string, options: { project?: string; tenants?: boolean; format?: OutputFormat }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'promote' }, () => {
    const r = promote({ ...projectOfFlags(options), from, to, tenants: options.tenants });
    if (options.format === 'json') {
      io.out(json({ from: r.from, to: r.to, changed: r.changed, versions: r.versions, hotfixesEnded: r.hotfixesEnded, tenants: r.tenants }));
      return ExitCode.OK;
    }
    if (!r.changed) {
      io.out(`nothing to promote: ${r.to} already has every version${options.tenants === false ? '' : ' and tenant'} of ${r.from}`);
      return ExitCode.OK;
    }
    io.out([
      `promoted ${r.from} -> ${r.to}:`,
      ...r.versions.map((v) => `  ${v.component}: ${v.from} -> ${v.to}`),
      ...(r.hotfixesEnded.length ? [`  hotfix records ended (the versions now come from ${r.from}): ${r.hotfixesEnded.join(', ')}`] : []),
      ...(r.tenants.length ? [`  tenants now in ${r.to}: ${r.tenants.join(', ')}`] : []),
      'run synth to render it',
    ].join('\n'));
    return ExitCode.OK;
  });
}

/** `check-promotions [--format text|json]`: every version of staging and prod arrived through its source environment (exit 1 when one did not). */
export function checkPromotionsCommand(options: { project?: string; format?: OutputFormat }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'check-promotions' }, () => {
    const project = projectOfFlags(options);
    const check = checkPromotions(project);
    if (options.format === 'json') {
      io.out(json({
        ok: check.ok,
        problems: check.problems.map((p) => ({ environment: p.environment, source: p.source, component: p.component, version: p.version, reason: p.reason, commit: p.commit ?? null })),
        hotfixes: check.hotfixes.map((h) => ({ environment: h.environment, component: h.component, version: h.version, reason: h.reason })),
        downgrades: check.downgrades.map((d) => ({ environment: d.environment, component: d.component, from: d.from, to: d.to, commit: d.commit ?? null, acknowledged: d.acknowledged })),
      }));
    } else {
      (check.ok ? io.out : io.err)(formatPromotionCheck(check, projectEnvironments(project)));
    }
    return check.ok ? ExitCode.OK : ExitCode.NO;
  });
}

/**
 * `audit --repo <path-or-url> [--branch b] [--ref r] [--limit n] [--format text|json]`: exit 0 when
 * every audited envs commit is what its source commit renders (and signed, when signers are named),
 * 1 on any finding; when the audit cannot run, the code says why (docs/cli.md).
 */
export function auditCommand(
  options: { project?: string; repo: string; branch?: string; ref?: string; limit?: string; since?: string; sourceBranch?: string; format?: 'text' | 'json' },
  io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, { name: 'audit' }, () => {
    const limit = options.limit === undefined ? undefined : /^\d{1,7}$/.test(options.limit) ? Number(options.limit) : NaN;
    if (limit !== undefined && !(limit >= 1 && limit <= MAX_AUDIT_LIMIT)) throw new UsageError(`--limit ${JSON.stringify(options.limit)}: must be a whole number from 1 to ${MAX_AUDIT_LIMIT}`);
    if (options.ref !== undefined && options.since !== undefined) throw new UsageError('--ref audits one commit and --since a range: give one of them');
    const r = audit({ ...projectOfFlags(options), repo: options.repo, branch: options.branch, ref: options.ref, limit, since: options.since, sourceBranch: options.sourceBranch });
    (r.ok || options.format === 'json' ? io.out : io.err)(formatAudit(r, options.format ?? 'text'));
    return r.ok ? ExitCode.OK : ExitCode.NO;
  });
}
