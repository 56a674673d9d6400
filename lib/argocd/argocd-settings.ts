import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { environmentOfPath } from '../layout/output-layout';
import { ManifestChart } from '../render/manifest-chart';
import type { ProjectAccess } from './argo-project';
import { RBAC_CONFIGMAP, rbacPolicyCsv, rbacPolicyKey, rbacSubjectProblem, SHARED_RBAC_SETTINGS } from './argocd-rbac';
import { NotificationTarget, notificationSettings, PreviewStatusReport, TenantReadyWebhook } from './notifications';

/**
 * Health of a child Application as the app-of-apps root sees it (the root waits for each wave of
 * Applications to be Healthy, and fails its sync on Degraded: gitops-engine, sync_context.go).
 * The root's job is to deliver Applications, not to run them, so a child counts:
 *
 * - Healthy once it has completed one sync (`status.history` has an entry): a paused canary or a
 *   Degraded platform app never holds back a new tenant; the child's own alerts report it.
 * - Healthy when it syncs only by hand (read-only environments) and was never synced: the root
 *   would otherwise wait for a person forever.
 * - Degraded when its first sync failed: the root's sync fails instead of waiting forever; its
 *   retry (ApplyOutOfSyncOnly: that child is not applied again) delivers the later waves.
 * - Progressing while its first sync has not finished: on a new cluster, what a wave needs exists
 *   before the next wave syncs.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
local status = obj.status
if status ~= nil and status.history ~= nil and #status.history > 0 then
  local own = "Unknown"
  if status.health ~= nil and status.health.status ~= nil then
    own = status.health.status
  end
  hs.status = "Healthy"
  hs.message = "delivered (its own health: " .. own .. ")"
  return hs
end
local automated = obj.spec ~= nil and obj.spec.syncPolicy ~= nil and obj.spec.syncPolicy.automated ~= nil
local operation = nil
if status ~= nil then
  operation = status.operationState
end
if not automated and operation == nil then
  hs.status = "Healthy"
  hs.message = "waiting for its first manual sync"
  return hs
end
if operation ~= nil and (operation.phase == "Failed" or operation.phase == "Error") then
  hs.status = "Degraded"
  hs.message = "its first sync failed: " .. (operation.message or operation.phase)
  return hs
end
hs.status = "Progressing"
hs.message = "its first sync has not finished"
return hs
`;

/** Props of {@link ArgoCdSettings}. */
export interface ArgoCdSettingsProps {
  /** Folder of the patches in dist, e.g. `dev/argocd-config`. */
  readonly outputPath: string;
  /**
   * Namespace Argo CD runs in.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * The alerts every Application subscribes to: their triggers and templates are rendered.
   * @default - no alerts
   */
  readonly notifications?: NotificationTarget;
  /**
   * The control plane's tenant-ready webhook: its service, trigger and template are rendered.
   * @default - no tenant-ready notification
   */
  readonly tenantReady?: TenantReadyWebhook;
  /**
   * Report each pull request preview's result on its pull request (GitHub commit status): the trigger and templates are rendered.
   * @default - no preview status
   */
  readonly previewStatus?: PreviewStatusReport;
  /**
   * Render `argocd-rbac-cm`: the keys every environment shares (`policy.default`, `policy.matchMode`,
   * `scopes`) and `policy.<env>.csv` with the environment-wide roles of `rbac.access`.
   * @default - no argocd-rbac-cm
   */
  readonly rbac?: ArgoCdRbacProps;
  /**
   * Labels on the ConfigMaps.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** What {@link ArgoCdSettings} renders into `argocd-rbac-cm`. */
export interface ArgoCdRbacProps {
  /**
   * The environment's access groups: `policy.<env>.csv` gives them the roles `role:<env>:read-only` and
   * `role:<env>:release` on every project of the environment (`<env>-*`), the same grants as the
   * `read-only` and `release` roles of each of its AppProjects (one model renders both). A tenant's owners
   * are never in it: their tenant's AppProject role binds them, so the file does not depend on the tenants.
   * @default - no environment-wide roles: `policy.<env>.csv` holds its header only
   */
  readonly access?: ProjectAccess;
}

/**
 * The Argo CD settings the rendered Applications rely on, as ConfigMaps to merge
 * into the Argo CD install
 * (`kubectl patch configmap <name> -n argocd --type merge --patch-file <file>`): no Application syncs this folder, because Argo CD's
 * own ConfigMaps belong to its install and a full apply would drop its other keys. One Argo CD may
 * serve every environment: keys shared by the environments are identical in each patch, and each
 * environment's own keys carry its name (argocd-rbac-cm's `policy.<env>.csv`).
 */
export class ArgoCdSettings extends ManifestChart {
  constructor(scope: Construct, id: string, props: ArgoCdSettingsProps) {
    super(scope, id, { outputPath: props.outputPath, labels: props.labels });
    const namespace = props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE;
    const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
    new k8s.KubeConfigMap(this, 'argocd-cm', {
      metadata: { name: 'argocd-cm', namespace, labels: partOf },
      data: {
        'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
        // Syncing to a revision other than the Application's, and rolling back, need the override and
        // rollback actions, which no role grants: what reaches a cluster is what git's branch holds.
        'application.sync.requireOverridePrivilegeForRevisionSync': 'true',
        'server.rbac.rollback.enforce.enable': 'true',
      },
    });
    // Argo CD defines none of these triggers by itself (two of them only come with its optional catalog).
    // The environment is the first folder of the output path: keys of its own are named for it.
    const data = notificationSettings(environmentOfPath(props.outputPath), props.notifications, props.tenantReady, props.previewStatus);
    if (Object.keys(data).length > 0) {
      new k8s.KubeConfigMap(this, 'argocd-notifications-cm', { metadata: { name: 'argocd-notifications-cm', namespace, labels: partOf }, data });
    }
    if (props.rbac) {
      const env = environmentOfPath(props.outputPath);
      for (const subject of [...(props.rbac.access?.viewers ?? []), ...(props.rbac.access?.releasers ?? [])]) {
        const problem = rbacSubjectProblem(subject);
        if (problem) throw new Error(`${RBAC_CONFIGMAP} of ${env}: access subject "${subject}" ${problem}`);
      }
      // policy.csv is the install's (its operators'): never written here. Argo CD appends every policy.<name>.csv after it.
      // The environment's own files are identical in every render unit of it: nothing here depends on the tenants.
      new k8s.KubeConfigMap(this, RBAC_CONFIGMAP, {
        metadata: { name: RBAC_CONFIGMAP, namespace, labels: partOf },
        data: { ...SHARED_RBAC_SETTINGS, [rbacPolicyKey(env)]: rbacPolicyCsv(env, props.rbac.access) },
      });
    }
  }
}
