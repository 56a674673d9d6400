import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { environmentOfPath } from '../layout/output-layout';
import { ManifestChart } from '../render/manifest-chart';
import { NotificationTarget, notificationSettings, TenantReadyWebhook } from './notifications';

/**
 * Health of an Application as its own status says. Argo CD stopped assessing
 * Application health in 1.8, so without this an app-of-apps treats a child
 * Application as healthy at once and sync waves between Applications order nothing.
 * A child that syncs only by hand (read-only environments) and was never synced
 * counts as healthy: otherwise the root would wait for it forever.
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil and obj.status.health ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
local automated = obj.spec ~= nil and obj.spec.syncPolicy ~= nil and obj.spec.syncPolicy.automated ~= nil
if not automated and (obj.status == nil or obj.status.operationState == nil) then
  hs.status = "Healthy"
  hs.message = "waiting for its first manual sync"
end
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
   * Labels on the ConfigMaps.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The Argo CD settings the rendered Applications rely on, as ConfigMaps to merge
 * into the Argo CD install
 * (`kubectl patch configmap <name> -n argocd --type merge --patch-file <file>`): no Application syncs this folder, because Argo CD's
 * own ConfigMaps belong to its install and a full apply would drop its other keys.
 */
export class ArgoCdSettings extends ManifestChart {
  constructor(scope: Construct, id: string, props: ArgoCdSettingsProps) {
    super(scope, id, { outputPath: props.outputPath, labels: props.labels });
    const namespace = props.argocdNamespace ?? DEFAULT_ARGOCD_NAMESPACE;
    const partOf = { 'app.kubernetes.io/part-of': 'argocd' };
    new k8s.KubeConfigMap(this, 'argocd-cm', {
      metadata: { name: 'argocd-cm', namespace, labels: partOf },
      data: { 'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA },
    });
    // Argo CD defines none of these triggers by itself (two of them only come with its optional catalog).
    // The environment is the first folder of the output path: keys of its own are named for it.
    const data = notificationSettings(environmentOfPath(props.outputPath), props.notifications, props.tenantReady);
    if (Object.keys(data).length > 0) {
      new k8s.KubeConfigMap(this, 'argocd-notifications-cm', { metadata: { name: 'argocd-notifications-cm', namespace, labels: partOf }, data });
    }
  }
}
