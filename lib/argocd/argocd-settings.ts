import { DEFAULT_ARGOCD_NAMESPACE } from '../config/environment-defaults';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ManifestChart } from '../render/manifest-chart';
import { NOTIFICATION_TRIGGERS } from './notifications';

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

/**
 * Definitions of the notification triggers Applications subscribe to. Argo CD
 * ships none of them unless its catalog is installed, and `on-out-of-sync` is
 * not in the catalog at all.
 */
// No oncePer: a trigger then sends each time its condition becomes true, so a second drift
// (or degradation) at the same git revision is reported too; drift in prod rarely changes the revision.
const TRIGGERS: Readonly<Record<typeof NOTIFICATION_TRIGGERS[number], { when: string; description: string }>> = {
  'on-sync-failed': { description: 'The sync failed', when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']" },
  'on-health-degraded': { description: 'The Application is degraded', when: "app.status.health.status == 'Degraded'" },
  'on-out-of-sync': { description: 'The cluster differs from git (drift, or a change waiting for a manual sync)', when: "app.status.sync.status == 'OutOfSync'" },
};

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
   * Render the notification trigger and template definitions the Applications subscribe to.
   * @default false
   */
  readonly notifications?: boolean;
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
    if (props.notifications) {
      const data: Record<string, string> = {};
      for (const trigger of NOTIFICATION_TRIGGERS) {
        const t = TRIGGERS[trigger];
        const template = `app-${trigger.replace(/^on-/, '')}`;
        data[`trigger.${trigger}`] = `- description: ${t.description}\n  send: [${template}]\n  when: ${t.when}\n`;
        data[`template.${template}`] = `message: |\n  {{.app.metadata.name}}: ${t.description.toLowerCase()}.\n  Sync: {{.app.status.sync.status}}, health: {{.app.status.health.status}}, revision: {{.app.status.sync.revision}}.\n`;
      }
      new k8s.KubeConfigMap(this, 'argocd-notifications-cm', { metadata: { name: 'argocd-notifications-cm', namespace, labels: partOf }, data });
    }
  }
}
