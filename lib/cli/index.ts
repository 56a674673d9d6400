// The `stoa-manifests/cli` entry point: everything a CLI verb does is a function another
// repository can import. The verbs themselves (diff, set-image, promote, check-promotions,
// tenant add/remove/list, publish) with their options and results, the errors they refuse
// with, and the commander program with the `*Command()` wrappers that print and return an
// exit code. The constructs, synth and validation are at the package root (`stoa-manifests`).
//
// Each section lists its names on purpose (no `export *`); `npm run api-check` compares the
// result with etc/stoa-manifests-cli.api.md.

// --- The command line: the program and one function per verb that prints and returns the exit code (ExitCode, docs/cli.md)
export { buildProgram } from './program';
export { packageVersion } from '../package-version';
export { isRendererId, rendererId } from '../project/renderer-id';
export { checkCommand, mergeShardsCommand, PROCESS_OUTPUT, synthCommand, validateCommand } from './commands';
export type {
  CheckCommandOptions, MergeShardsCommandOptions, Output, OutputFormat, ProjectOptions, RenderFlags, SynthCommandOptions, ValidateCommandOptions,
} from './commands';
export { ExitCode } from './exit-codes';
export {
  auditCommand, checkPromotionsCommand, diffCommand, planCommand, previewCloseCommand, previewPublishCommand, promoteCommand, publishCommand, setImageCommand,
  tenantAddCommand, tenantListCommand, tenantRemoveCommand,
} from './workflow-commands';

// --- diff: what dist/ changes between two git refs, per environment and Application
export { diffRefs } from '../workflow/diff';
export type { ApplicationChanges, ApplicationRules, DiffOptions, DiffResult, EnvironmentChanges, FileChange } from '../workflow/diff';
export type { HotfixChange, StaleOutput } from '../workflow/diff-head';
export { MAX_DIFF_FILE_BYTES } from '../workflow/diff-files';
export type {
  ApplicationSummary, DiffObject, ImageChange, NetworkPolicyChange, RbacChange, ReplicaChange,
} from '../workflow/diff-summary';
export { DEFAULT_MAX_REPORT_BYTES, formatDiff, GITHUB_COMMENT_LIMIT } from '../workflow/diff-report';
export type { DiffReportLimits } from '../workflow/diff-report';
export { diffJson } from '../workflow/diff-json';

// --- plan: what Argo CD will do between two git refs of dist/, offline
export { DATA_LOSS_TRAILER, dataLossId, planRefs } from '../workflow/plan';
export type {
  PlanApplication, PlanCapacity, PlanEnvironment, PlanFinding, PlanFindingKind, PlanHook, PlanObject, PlanOptions, PlanQuota,
  PlanQuotaResource, PlanResult, PlanRollout, PlanSyncWindow,
} from '../workflow/plan';
export { formatPlan, planJson } from '../workflow/plan-report';
export type { PlanReportLimits } from '../workflow/plan-report';

// --- set-image and promote: versions along the promotion order
export { setImage } from '../workflow/set-image';
export type { SetImageOptions, SetImageResult } from '../workflow/set-image';
export { promote } from '../workflow/promote';
export type { PromoteOptions, PromoteResult, VersionChange } from '../workflow/promote';
export { checkPromotions, DOWNGRADE_TRAILER, formatPromotionCheck } from '../workflow/promotion-check';
export type { AcceptedHotfix, DowngradedVersion, PromotionCheck, UnpromotedVersion } from '../workflow/promotion-check';

// --- tenant add / remove / list
export { addTenant } from '../workflow/tenant-add';
export type { AddTenantOptions, AddTenantResult } from '../workflow/tenant-add';
export { removeTenant } from '../workflow/tenant-remove';
export type { RemoveTenantOptions, RemoveTenantResult } from '../workflow/tenant-remove';
export { formatTenants, listTenants } from '../workflow/tenant-list';

// --- publish: dist/ into the envs repo
export { publish } from '../workflow/publish';
export type { PublishOptions, PublishResult } from '../workflow/publish';
export type { PublishDirection, PublishedVersionChange } from '../workflow/publish-guard';
export type { PublishedEnvironment, PublishSource } from '../workflow/publish-summary';
export type { AuditOverride } from '../workflow/publish-audit';
export { DEFAULT_ENVIRONMENT_BRANCH_PREFIX, encodeMetadata, HYDRATOR_METADATA_FILE, HYDRATOR_NOTES_REF, publishHydrated } from '../workflow/publish-hydrated';
export type { HydratedEnvironment, HydratorMetadata, PublishHydratedOptions, PublishHydratedResult } from '../workflow/publish-hydrated';

// --- preview: a pull request's short-lived environment pr-<number>, pushed to its envs repo branch
export { closePreview, previewFiles, publishPreview } from '../workflow/preview-publish';
export type { PreviewOptions, PublishPreviewResult } from '../workflow/preview-publish';

// --- audit: what the envs repo holds against what its source commits render
export { audit, DEFAULT_AUDIT_LIMIT, formatAudit, MAX_AUDIT_LIMIT } from '../workflow/audit';
export type { AuditedCommit, AuditFileDifference, AuditFinding, AuditFindingKind, AuditOptions, AuditResult } from '../workflow/audit';

// --- Types of the package root that the signatures above use (also exported by `stoa-manifests`,
// which has the values: the zod schemas the config types are inferred from, ComponentCatalog.stoa())
export type { ComponentName, EnvironmentConfig } from '../config/environment-config';
export type { TenantConfig } from '../config/tenant-config';
export type { ProjectLocation } from '../project/project';
export type { ComponentCatalog, ComponentSpec } from '../config/component-catalog';
export type { Violation } from '../validate/policy';

// --- What the verbs refuse with
export { WorkflowError } from '../workflow/workflow-error';
export { GitError, GitInputError } from '../git/git';
