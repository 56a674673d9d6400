// The public API of `stoa-manifests` (the package root): what a cdk8s app of another
// repository composes and runs. Everything else under lib/ is internal and may change
// in any release. The CLI's verbs (diff, set-image, promote, publish, tenant ...) are
// functions too, under the `stoa-manifests/cli` entry point (lib/cli/index.ts).
//
// Each section lists its names on purpose (no `export *`): a new export is a decision,
// and `npm run api-check` compares the result with the committed report in etc/.

// --- The app and charts: the root of a consumer's construct tree ---------------------
export { StoaApp } from './app/stoa-app';
export type { StoaAppProps } from './app/stoa-app';
export { ManifestChart } from './render/manifest-chart';
export type { ManifestChartProps } from './render/manifest-chart';

// --- Patterns (L3): an environment, its tenants and platform components ---------------
export { Environment } from './environment/environment';
export {
  EnvironmentMode,
} from './environment/environment-props';
export type {
  AwxTokenProps, ClusterRef, EnvironmentCanaryProps, EnvironmentIngressProps, EnvironmentMonitoringProps, EnvironmentProps,
  EnvironmentSecretStoreProps,
} from './environment/environment-props';
export type { ClusterNetwork, EnvironmentSecrets, IEnvironment } from './environment/environment-context';
export { AppOfApps, TenantApplications } from './argocd/app-of-apps';
export type { AppOfAppsApplicationProps, TenantApplicationOptions, AppOfAppsProjectProps, AppOfAppsProps, EnvsRepo, IAppOfApps } from './argocd/app-of-apps';
export { Tenant } from './tenant/tenant';
export { LeavingTenant } from './tenant/leaving-tenant';
export type { TenantHooks, TenantOwners, TenantProps, TenantSecret } from './tenant/tenant-props';
export { Component } from './platform/component';
export type { ComponentProps } from './platform/component';
export { ComponentCatalog } from './config/component-catalog';
export type { ComponentSpec } from './config/component-catalog';
export { buildPlatform, environmentProps, tenantProps } from './project/build-platform';

// --- Building blocks (L2) --------------------------------------------------------------
export { WebWorkload } from './workloads/web-workload';
export type { IngressOptions, MetricsOptions, WebWorkloadProps } from './workloads/web-workload';
export { Gateway } from './gateway/gateway';
export type { GatewayProps } from './gateway/gateway';
export {
  GatewaySmokeTest, SMOKE_TEST_DEADLINE_SECONDS, SMOKE_TEST_REQUEST_TIMEOUT_SECONDS, SMOKE_TEST_RETRY_SECONDS, SMOKE_TEST_SCRIPT, SMOKE_TEST_TIMEOUT_SECONDS,
} from './gateway/smoke-test';
export type { GatewaySmokeTestProps } from './gateway/smoke-test';
export { ArgoApplication } from './argocd/argo-application';
export type { ArgoApplicationProps, ArgoSource } from './argocd/argo-application';
export { ArgoProject } from './argocd/argo-project';
export type { ArgoDestination, ArgoProjectProps, GroupKind, ProjectAccess, ProjectOwners, ProjectRoleModel, RbacPermission, SyncWindow } from './argocd/argo-project';
export { TenantApplicationSet } from './argocd/tenant-application-set';
export type { TenantApplicationSetProps } from './argocd/tenant-application-set';
export { RepoCredentials } from './argocd/repo-credentials';
export type { EnvsRepoCredentials, RepoCredentialProperties, RepoCredentialsProps, RepoCredentialType } from './argocd/repo-credentials';
export { ArgoCdSettings } from './argocd/argocd-settings';
export type { ArgoCdRbacProps, ArgoCdSettingsProps } from './argocd/argocd-settings';
export type { NotificationTarget, TenantReadyWebhook } from './argocd/notifications';
export { ExternalSecretRef } from './secrets/external-secret';
export type { ExternalSecretRefProps, SecretStoreRef } from './secrets/external-secret';
export { ClusterSecretStore } from './secrets/secret-store';
export type { ClusterSecretStoreProps, InfisicalBackend, VaultBackend } from './secrets/secret-store';
export { NamespaceSecretStore } from './secrets/namespace-secret-store';
export type { NamespaceSecretStoreProps } from './secrets/namespace-secret-store';
export { AwxHookJob, HookPhase } from './tenant/awx-hook';
export type { AwxHookJobProps } from './tenant/awx-hook';
export { HooksNamespace } from './platform/hooks-namespace';
export type { HooksNamespaceProps } from './platform/hooks-namespace';
export { TenantOwnerRole } from './tenant/owner-role';
export type { TenantOwnerRoleProps } from './tenant/owner-role';

// --- Values of props: use the static factories -----------------------------------------
export { Scaling, ScalingEngine } from './workloads/scaling';
export type { AutoscaledOptions, KedaOptions } from './workloads/scaling';
export { Delivery } from './workloads/delivery';
export type { CanaryAnalysisOptions, CanaryOptions } from './workloads/delivery';
export { SyncMode } from './argocd/sync-policy';
export { DEFAULT_ARGOCD_NAMESPACE } from './config/environment-defaults';

// --- Input files: schemas, loading, tiers and limits ------------------------------------
export type { ComponentName, EnvironmentConfig } from './config/environment-config';
export { environmentFileSchema, environmentFileSchemaFor } from './config/environment-config';
export type { TenantConfig } from './config/tenant-config';
export { MAX_DISPLAY_NAME_LENGTH, RESERVED_TENANT_NAMES, tenantFileSchema } from './config/tenant-config';
export { loadEnvironments, loadProjectInput } from './config/load';
export type { InputLocation, ProjectInput } from './config/load';
export { formatProblems, InputError } from './config/input-error';
export type { InputProblem } from './config/input-error';
export { TIER_NAMES, TIERS, tierPeak, tierQuota } from './config/tiers';
export type { ComputeAmounts, TierName, TierPeak, TierQuota, TierSpec } from './config/tiers';
export { MAX_INPUT_FILE_BYTES } from './config/input-file';
export { MAX_INPUT_ALIASES, MAX_INPUT_DEPTH, MAX_INPUT_NODES, MAX_INPUT_TOKENS, MAX_PROBLEMS_PER_FILE } from './config/yaml-file';

// --- Synth and validation: the construct tree or the project's files to checked YAML ---
export { renderApp, synthApp } from './app/synth-app';
export type { SynthAppOptions, SynthAppResult } from './app/synth-app';
export { checkOutput, renderPreview, renderProject, synth } from './project/synth-project';
export { PreviewError, previewHost, previewInput } from './project/preview-input';
export { PREVIEW_BRANCH_PREFIX, PREVIEW_NAMESPACE_PREFIX, previewBranch, previewName, previewNamespacePrefix, pullRequestNumber } from './layout/preview-names';
export type { OutputCheck, PreviewRenderOptions, RenderOptions, RenderResult, SynthOptions, SynthResult } from './project/synth-project';
export { mergeShards, SHARD_MANIFEST, synthShard } from './project/shards';
export type { MergeOptions, ShardOptions, ShardResult } from './project/shards';
export { parseShard, planUnits } from './project/render-units';
export type { RenderUnit, Shard } from './project/render-units';
export { defaultCacheDir } from './project/render-cache';
export type { ProjectLocation } from './project/project';
export { ConstructValidationError, renderUnvalidated } from './render/render';
export type { KubeObject, RenderedFile } from './render/render';
export { formatReport, mergeReports, validateFolder, validateObjects, VALIDATION_RULES, ValidationFailedError } from './validate/validate';
export type { ValidateOptions, ValidationReport } from './validate/validate';
export { DEFAULT_KUBERNETES_VERSION } from './validate/policy';
export type { EnvironmentFacts, ObjectInFile, Violation } from './validate/policy';
export { DEFAULT_CORE_FIELDS_FILE, DEFAULT_CRD_SCHEMA_DIR, SchemaCatalog } from './validate/schema-catalog';
export type { SchemaResult } from './validate/schema-catalog';
export type { FlowResult, FlowSide } from './validate/behaviour/network-flows/policy-semantics';
export { validationOptionsOf } from './project/build-platform';

// --- Output layout: the folders of dist/ and the Argo CD names the Applications read ---
export { applicationOfFolder, argoName, componentFolder, outputFolder, parseOutputPath, tenantFolder } from './layout/output-layout';
export type { OutputArea, OutputLocation } from './layout/output-layout';
