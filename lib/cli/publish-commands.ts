import { redactUrl } from '../git/git';
import { previewBranch, pullRequestNumber } from '../layout/preview-names';
import { closePreview, publishPreview } from '../workflow/preview-publish';
import { publish } from '../workflow/publish';
import { isRollback } from '../workflow/publish-guard';
import { publishHydrated } from '../workflow/publish-hydrated';
import { guarded, json, Output, OutputFormat, PROCESS_OUTPUT, projectOfFlags } from './commands';
import { ExitCode, UsageError } from './exit-codes';

/**
 * `publish --repo <path-or-url>` with `[--branch main] [--source-branch b] [--rollback reason]`,
 * `[--allow-downgrade] [--allow-prod-removal] [--override-audit reason]`,
 * `[--layout branch|hydrator] [--format text|json]`.
 */
export function publishCommand(
  options: {
    project?: string; repo: string; branch?: string; sourceBranch?: string; rollback?: string; allowDowngrade?: boolean; allowProdRemoval?: boolean; overrideAudit?: string;
    layout?: 'branch' | 'hydrator'; branchPrefix?: string; format?: OutputFormat;
  },
  io: Output = PROCESS_OUTPUT,
): number {
  return guarded(io, { name: 'publish' }, () => {
    const repo = redactUrl(options.repo);
    if (options.layout === 'hydrator') {
      const h = publishHydrated({ ...projectOfFlags(options), repo: options.repo, sourceBranch: options.sourceBranch, branchPrefix: options.branchPrefix, rollback: options.rollback });
      if (options.format === 'json') {
        io.out(json({ layout: 'hydrator', repo, drySha: h.drySha, environments: h.environments }));
        return ExitCode.OK;
      }
      io.out([`published ${h.drySha.slice(0, 12)} to ${repo} in the hydrator layout:`,
        ...h.environments.map((e) => `  ${e.environment}: ${e.branch} ${e.committed ? `at ${e.commit.slice(0, 12)}${isRollback(e.direction) ? ' (rolled back)' : ''}` : 'unchanged (its note names this source commit)'}; GitOps Promoter moves it to ${e.activeBranch}${e.createdActive ? ' (created empty, as Argo CD does)' : ''}`)].join('\n'));
      return ExitCode.OK;
    }
    const branch = options.branch ?? 'main';
    const r = publish({
      ...projectOfFlags(options), repo: options.repo, branch, sourceBranch: options.sourceBranch,
      rollback: options.rollback, allowDowngrade: options.allowDowngrade, allowProdRemoval: options.allowProdRemoval,
      overrideAudit: options.overrideAudit,
    });
    if (options.format === 'json') {
      io.out(json({
        layout: 'branch', repo, branch, committed: r.committed, commit: r.commit ?? null, pushed: r.pushed, direction: r.direction ?? null,
        environments: r.environments, message: r.message ?? null,
      }));
      return ExitCode.OK;
    }
    if (!r.committed) {
      io.out(`nothing to publish: ${repo} already holds this output`);
      return ExitCode.OK;
    }
    io.out(`published ${r.commit!.slice(0, 12)} to ${repo}${r.pushed ? ` (pushed to origin/${branch})` : ''}\n\n${r.message}`);
    return ExitCode.OK;
  });
}

/** `--pull-request <n>`, a usage error when it is not a pull request number. */
function pullRequestOf(value: string): number {
  try {
    return pullRequestNumber(value);
  } catch (e) {
    throw new UsageError(`--pull-request: ${(e as Error).message}`);
  }
}

/** `preview publish --pull-request <n> --repo <repo> [--format text|json]`: the preview's branch, files and hosts. */
export function previewPublishCommand(options: { project?: string; repo: string; pullRequest: string; format?: OutputFormat }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'preview publish' }, () => {
    const r = publishPreview({ ...projectOfFlags(options), repo: options.repo, pullRequest: pullRequestOf(options.pullRequest) });
    if (options.format === 'json') {
      io.out(json({ preview: r.preview, branch: r.branch, committed: r.committed, commit: r.commit ?? null, files: r.files, hosts: r.hosts, urls: r.hosts.map((h) => `https://${h}`) }));
      return ExitCode.OK;
    }
    const what = r.committed ? `pushed ${r.commit!.slice(0, 12)} to ${r.branch}` : `${r.branch} already holds this preview`;
    io.out(`preview ${r.preview}: ${what} of ${redactUrl(options.repo)} (${r.files} files)${r.hosts.length > 0 ? `\n${r.hosts.map((h) => `  https://${h}`).join('\n')}` : ''}`);
    return ExitCode.OK;
  });
}

/** `preview close --pull-request <n> --repo <repo> [--format text|json]`. */
export function previewCloseCommand(options: { repo: string; pullRequest: string; format?: OutputFormat }, io: Output = PROCESS_OUTPUT): number {
  return guarded(io, { name: 'preview close' }, () => {
    const n = pullRequestOf(options.pullRequest);
    const deleted = closePreview({ repo: options.repo, pullRequest: n });
    if (options.format === 'json') {
      io.out(json({ preview: `pr-${n}`, branch: previewBranch(n), deleted }));
      return ExitCode.OK;
    }
    io.out(deleted
      ? `preview pr-${n}: deleted ${previewBranch(n)} of ${redactUrl(options.repo)}`
      : `preview pr-${n}: ${redactUrl(options.repo)} has no ${previewBranch(n)}; nothing to delete`);
    return ExitCode.OK;
  });
}
