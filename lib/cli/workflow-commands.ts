import * as path from 'path';
import { redactUrl } from '../git/git';
import { projectEnvironments, readOnlyEnvironmentNames } from '../project/project';
import { diffRefs } from '../workflow/diff';
import { diffJson } from '../workflow/diff-json';
import { formatDiff } from '../workflow/diff-report';
import { planRefs } from '../workflow/plan';
import { formatPlan, planJson } from '../workflow/plan-report';
import { promote } from '../workflow/promote';
import { checkPromotions, formatPromotionCheck } from '../workflow/promotion-check';
import { audit, formatAudit } from '../workflow/audit';
import { publish } from '../workflow/publish';
import { isRollback } from '../workflow/publish-guard';
import { publishHydrated } from '../workflow/publish-hydrated';
import { WorkflowError } from '../workflow/workflow-error';
import { closePreview, publishPreview } from '../workflow/preview-publish';
import { setImage } from '../workflow/set-image';
import { addTenant } from '../workflow/tenant-add';
import { formatTenants, listTenants } from '../workflow/tenant-list';
import { removeTenant } from '../workflow/tenant-remove';
import { guarded, Output, PROCESS_OUTPUT, projectOfFlags } from './commands';
import { previewBranch, pullRequestNumber } from '../layout/preview-names';

/** `--max-bytes <n>`: a whole number of bytes a report may take. */
function maxBytesOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1000 && n <= 1_000_000)) throw new WorkflowError(`--max-bytes ${JSON.stringify(value)}: must be a whole number from 1000 to 1000000`);
  return n;
}

/**
 * `diff --base <ref> [--head <ref>] [--format markdown|text|json] [--max-bytes n]`: Markdown within a PR comment's
 * size (`DEFAULT_MAX_REPORT_BYTES`), text in full, JSON for bots with the same summaries and hotfixes.
 */
export function diffCommand(options: { project?: string; base: string; head?: string; format?: 'markdown' | 'text' | 'json'; maxBytes?: string }, io: Output = PROCESS_OUTPUT): number {
  const project = projectOfFlags(options);
  return guarded(io, 'diff failed.', () => {
    const envs = projectEnvironments(project);
    const result = diffRefs({
      ...project, base: options.base, head: options.head,
      readOnlyEnvironments: readOnlyEnvironmentNames(envs),
      colors: Object.fromEntries(envs.map((e) => [e.name, e.color])),
    });
    const maxReportBytes = maxBytesOf(options.maxBytes);
    io.out(options.format === 'json' ? diffJson(result) : formatDiff(result, options.format ?? 'markdown', { maxReportBytes }));
    return 0;
  });
}

/**
 * `plan --base <ref> [--head <ref>] [--format markdown|text|json]`: what Argo CD will do, offline.
 * Exit 0 when the plan is OK, 1 when a data-loss finding is not acknowledged (the report is printed either way).
 */
export function planCommand(options: { project?: string; base: string; head?: string; format?: 'markdown' | 'text' | 'json'; maxBytes?: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'plan failed.', () => {
    const maxReportBytes = maxBytesOf(options.maxBytes);
    const result = planRefs({ ...projectOfFlags(options), base: options.base, head: options.head });
    io.out(options.format === 'json' ? planJson(result) : formatPlan(result, options.format ?? 'markdown', { maxReportBytes }));
    if (result.blocked) io.err(`stoa-manifests: plan blocked: ${result.findings.filter((f) => f.blocked).length} data-loss finding(s) nobody acknowledged (see the report)`);
    return result.blocked ? 1 : 0;
  });
}

/** `set-image <component> <version> --env <env>`. */
export function setImageCommand(component: string, version: string, options: { project?: string; env: string; hotfix?: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'set-image refused.', () => {
    const r = setImage({ ...projectOfFlags(options), environment: options.env, component, version, hotfix: options.hotfix });
    io.out(r.changed
      ? `${r.environment}: ${r.component} ${r.from} -> ${r.to}${r.hotfix !== undefined ? ` as a HOTFIX (recorded: ${r.hotfix})` : ''} (${path.relative(process.cwd(), r.file)}); run synth to render it${r.hotfix !== undefined ? `, commit, then promote ${r.environment} onward (stoa-manifests promote ${r.environment} <next>) in a later commit` : ''}`
      : `${r.environment}: ${r.component} is already ${r.to}; nothing changed`);
    return 0;
  });
}

/** `promote <from> <to> [--no-tenants]`. */
export function promoteCommand(from: string, to: string, options: { project?: string; tenants?: boolean }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'promote refused.', () => {
    const r = promote({ ...projectOfFlags(options), from, to, tenants: options.tenants });
    if (!r.changed) {
      io.out(`nothing to promote: ${r.to} already has every version${options.tenants === false ? '' : ' and tenant'} of ${r.from}`);
      return 0;
    }
    io.out([
      `promoted ${r.from} -> ${r.to}:`,
      ...r.versions.map((v) => `  ${v.component}: ${v.from} -> ${v.to}`),
      ...(r.hotfixesEnded.length ? [`  hotfix records ended (the versions now come from ${r.from}): ${r.hotfixesEnded.join(', ')}`] : []),
      ...(r.tenants.length ? [`  tenants now in ${r.to}: ${r.tenants.join(', ')}`] : []),
      'run synth to render it',
    ].join('\n'));
    return 0;
  });
}

/** `check-promotions`: every version of staging and prod arrived through its source environment. */
export function checkPromotionsCommand(options: { project?: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'check-promotions failed.', () => {
    const project = projectOfFlags(options);
    const check = checkPromotions(project);
    (check.ok ? io.out : io.err)(formatPromotionCheck(check, projectEnvironments(project)));
    return check.ok ? 0 : 1;
  });
}

/** `tenant add <name> --owner ... --tier ... [--env dev]`. */
export function tenantAddCommand(
  name: string,
  options: { project?: string; owner: string[]; tier: string; env?: string[]; displayName?: string },
  io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, 'tenant add refused.', () => {
    const users = options.owner.filter((o) => !o.startsWith('group:')).map((o) => o.replace(/^user:/, ''));
    const groups = options.owner.filter((o) => o.startsWith('group:')).map((o) => o.slice('group:'.length));
    const r = addTenant({ ...projectOfFlags(options), name, tier: options.tier, users, groups, environments: options.env, displayName: options.displayName });
    io.out(`added tenant ${r.tenant.name} (${r.tenant.tier}, ${r.tenant.environments.join(', ')}): ${path.relative(process.cwd(), r.file)}; run synth to render it`);
    return 0;
  });
}

/** `tenant remove <name> [--env ...] [--allow-prod-removal]`. */
export function tenantRemoveCommand(name: string, options: { project?: string; env?: string[]; allowProdRemoval?: boolean }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'tenant remove refused.', () => {
    const r = removeTenant({ ...projectOfFlags(options), name, environments: options.env, allowProdRemoval: options.allowProdRemoval });
    const file = path.relative(process.cwd(), r.file);
    const did = [
      ...(r.removedFrom.length ? [`removed tenant ${r.name} from ${r.removedFrom.join(', ')}`] : []),
      ...(r.finished.length ? [`removed tenant ${r.name}'s deprovision hook from ${r.finished.join(', ')}, which it was leaving`] : []),
    ].join(', and ');
    const left = [
      ...(r.remaining.length ? [`still in ${r.remaining.join(', ')}`] : []),
      ...(r.keptForDeprovision.length ? [`leaving ${r.keptForDeprovision.join(', ')}: its deprovision hook runs there first`] : []),
    ].join('; ');
    io.out(r.deleted ? `${did} and deleted ${file}; run synth to render it` : `${did} (${left}): ${file}; run synth to render it`);
    // What the cluster will do once this is synced, and what is left for a person.
    for (const l of r.leaving) {
      io.out(`${l.environment}: ${l.automatic}`);
      for (const k of l.kept) io.out(`  kept: ${k}`);
      l.steps.forEach((step, i) => io.out(`  ${i + 1}. ${step}`));
    }
    return 0;
  });
}

/** `tenant list [--format table|json]`. */
export function tenantListCommand(options: { project?: string; format?: 'table' | 'json' }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'tenant list failed.', () => {
    io.out(formatTenants(listTenants(projectOfFlags(options)), options.format ?? 'table'));
    return 0;
  });
}

/** `publish --repo <path-or-url> [--branch main] [--source-branch b] [--rollback reason] [--allow-downgrade] [--allow-prod-removal] [--override-audit reason]`. */
export function publishCommand(
  options: {
    project?: string; repo: string; branch?: string; sourceBranch?: string; rollback?: string; allowDowngrade?: boolean; allowProdRemoval?: boolean; overrideAudit?: string;
    layout?: 'branch' | 'hydrator'; branchPrefix?: string;
  },
  io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, 'publish refused.', () => {
    if (options.layout === 'hydrator') {
      const h = publishHydrated({ ...projectOfFlags(options), repo: options.repo, sourceBranch: options.sourceBranch, branchPrefix: options.branchPrefix, rollback: options.rollback });
      io.out([`published ${h.drySha.slice(0, 12)} to ${redactUrl(options.repo)} in the hydrator layout:`,
        ...h.environments.map((e) => `  ${e.environment}: ${e.branch} ${e.committed ? `at ${e.commit.slice(0, 12)}${isRollback(e.direction) ? ' (rolled back)' : ''}` : 'unchanged (its note names this source commit)'}; GitOps Promoter moves it to ${e.activeBranch}${e.createdActive ? ' (created empty, as Argo CD does)' : ''}`)].join('\n'));
      return 0;
    }
    const r = publish({
      ...projectOfFlags(options), repo: options.repo, branch: options.branch, sourceBranch: options.sourceBranch,
      rollback: options.rollback, allowDowngrade: options.allowDowngrade, allowProdRemoval: options.allowProdRemoval,
      overrideAudit: options.overrideAudit,
    });
    if (!r.committed) {
      io.out(`nothing to publish: ${redactUrl(options.repo)} already holds this output`);
      return 0;
    }
    io.out(`published ${r.commit!.slice(0, 12)} to ${redactUrl(options.repo)}${r.pushed ? ` (pushed to origin/${options.branch ?? 'main'})` : ''}\n\n${r.message}`);
    return 0;
  });
}

/**
 * `audit --repo <path-or-url> [--branch b] [--ref r] [--limit n] [--format text|json]`: exit 0 when
 * every audited envs commit is what its source commit renders (and signed, when signers are named),
 * 1 on any finding, 2 when the audit could not run.
 */
export function auditCommand(
  options: { project?: string; repo: string; branch?: string; ref?: string; limit?: string; since?: string; sourceBranch?: string; format?: 'text' | 'json' },
  io: Output = PROCESS_OUTPUT,
): number {
  try {
    const limit = options.limit === undefined ? undefined : /^\d{1,7}$/.test(options.limit) ? Number(options.limit) : NaN;
    const r = audit({ ...projectOfFlags(options), repo: options.repo, branch: options.branch, ref: options.ref, limit, since: options.since, sourceBranch: options.sourceBranch });
    (r.ok || options.format === 'json' ? io.out : io.err)(formatAudit(r, options.format ?? 'text'));
    return r.ok ? 0 : 1;
  } catch (e) {
    io.err(`stoa-manifests: audit could not run.\n${redactUrl(e instanceof Error ? e.message : String(e))}`);
    return 2;
  }
}

/** `preview publish --pull-request <n> --repo <repo> [--format text|json]`: the preview's branch, files and hosts. */
export function previewPublishCommand(options: { project?: string; repo: string; pullRequest: string; format?: 'text' | 'json' }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'preview publish refused.', () => {
    const r = publishPreview({ ...projectOfFlags(options), repo: options.repo, pullRequest: pullRequestNumber(options.pullRequest) });
    if (options.format === 'json') {
      io.out(JSON.stringify({ ...r, urls: r.hosts.map((h) => `https://${h}`) }, null, 2));
      return 0;
    }
    const what = r.committed ? `pushed ${r.commit!.slice(0, 12)} to ${r.branch}` : `${r.branch} already holds this preview`;
    io.out(`preview ${r.preview}: ${what} of ${redactUrl(options.repo)} (${r.files} files)${r.hosts.length > 0 ? `\n${r.hosts.map((h) => `  https://${h}`).join('\n')}` : ''}`);
    return 0;
  });
}

/** `preview close --pull-request <n> --repo <repo>`. */
export function previewCloseCommand(options: { repo: string; pullRequest: string }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, 'preview close failed.', () => {
    const n = pullRequestNumber(options.pullRequest);
    io.out(closePreview({ repo: options.repo, pullRequest: n })
      ? `preview pr-${n}: deleted ${previewBranch(n)} of ${redactUrl(options.repo)}`
      : `preview pr-${n}: ${redactUrl(options.repo)} has no ${previewBranch(n)}; nothing to delete`);
    return 0;
  });
}
