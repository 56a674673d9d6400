/*
 * Argo CD notifications of an environment: what its Applications subscribe to (annotations) and the
 * definitions behind them (keys of argocd-notifications-cm). One Argo CD may serve every environment
 * and then receives every environment's argocd-notifications-cm patch: a key is either the same in
 * every environment (the shared triggers and templates) or named for its environment (its webhook
 * service, tenant-ready trigger and template), so merging the patches in any order gives the same
 * ConfigMap.
 */

import { defaultTenantReadyService } from '../config/environment-defaults';
import { TENANT_LABEL } from '../config/names';
import { PREVIEW_SOURCE_REPO_ANNOTATION } from './preview-application-set';
import { SOURCE_COMMIT_TRAILER } from '../layout/preview-names';

/** Where Argo CD notifications go. */
export interface NotificationTarget {
  /** Notification service configured in argocd-notifications-cm, e.g. `slack`. */
  readonly service: string;
  /** Recipient for that service, e.g. a Slack channel. */
  readonly recipient: string;
  /**
   * Minutes an Application may stay OutOfSync before the drift alert fires: a Prometheus rule on
   * `argocd_app_info` with `for:` (`<env>/platform/alerts`), routed by Alertmanager on its
   * `environment` label.
   * @default 10
   */
  readonly driftMinutes?: number;
  /**
   * Minutes an Application may stay Suspended or Progressing (a canary paused or waiting on an
   * inconclusive analysis, a rollout that does not finish), by its health's last transition, before
   * the stuck alert sends.
   * @default 60
   */
  readonly stuckMinutes?: number;
  /**
   * Minutes a sync may run (a hook waiting on AWX, a wave waiting on health) before the slow-sync alert sends.
   * @default 30
   */
  readonly syncMinutes?: number;
}

/** The control plane's webhook, called when a tenant's Application is synced and healthy. */
export interface TenantReadyWebhook {
  /** URL the notification is POSTed to (`http://` only to an in-cluster `*.svc` host). */
  readonly url: string;
  /**
   * Name of the webhook service in argocd-notifications-cm.
   * @default `stoa-control-plane-<environment>`
   */
  readonly service?: string;
  /**
   * Key of `argocd-notifications-secret` holding the bearer token the webhook sends (the value never appears in the output).
   * @default 'control-plane-token'
   */
  readonly tokenKey?: string;
}

/** Default {@link NotificationTarget.driftMinutes}. */
export const DEFAULT_DRIFT_MINUTES = 10;

/** Default {@link NotificationTarget.stuckMinutes}. */
export const DEFAULT_STUCK_MINUTES = 60;

/** Default {@link NotificationTarget.syncMinutes}. */
export const DEFAULT_SYNC_MINUTES = 30;

/** Default {@link TenantReadyWebhook.tokenKey}. */
export const DEFAULT_TENANT_READY_TOKEN_KEY = 'control-plane-token';

/**
 * The timed triggers of `target`: their minutes are in their names, so environments with other
 * limits never share (and overwrite) one key of the shared argocd-notifications-cm.
 */
function timedTriggers(target: NotificationTarget) {
  const stuckMinutes = target.stuckMinutes ?? DEFAULT_STUCK_MINUTES;
  const syncMinutes = target.syncMinutes ?? DEFAULT_SYNC_MINUTES;
  return {
    stuck: `on-stuck-${stuckMinutes}m`, slowSync: `on-sync-running-${syncMinutes}m`,
    stuckMinutes, syncMinutes,
  };
}

/** The alert triggers every Application subscribes to. */
export function alertTriggers(target: NotificationTarget): string[] {
  const timed = timedTriggers(target);
  return ['on-sync-failed', 'on-health-degraded', timed.stuck, timed.slowSync];
}

/** The `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations of every Application for `target`. */
export function notificationAnnotations(target: NotificationTarget): Record<string, string> {
  return Object.fromEntries(alertTriggers(target).map((t) => [`notifications.argoproj.io/subscribe.${t}.${target.service}`, target.recipient]));
}

/** The webhook service name of `webhook` in environment `env`. */
export function tenantReadyService(env: string, webhook: TenantReadyWebhook): string {
  return webhook.service ?? defaultTenantReadyService(env);
}

/** The tenant-ready subscription of a tenant's Application in `env` (a webhook has no recipient). */
export function tenantReadyAnnotations(env: string, webhook: TenantReadyWebhook): Record<string, string> {
  return { [`notifications.argoproj.io/subscribe.on-tenant-ready-${env}.${tenantReadyService(env, webhook)}`]: '' };
}

/** Where a preview's result is reported: its pull request, as a commit status (GitHub). */
export interface PreviewStatusReport {
  /** Namespace Argo CD runs in (the Application's address in the web UI). */
  readonly argocdNamespace: string;
  /**
   * Argo CD's web address: the status links the preview's Application.
   * @default - no link
   */
  readonly argocdUrl?: string;
}

/** The trigger of a preview's result in environment `env`. */
export function previewStatusTrigger(env: string): string {
  return `on-preview-result-${env}`;
}

/** The subscription of a preview Application to its result's commit status (GitHub's notification service takes no recipient). */
export function previewStatusAnnotations(env: string): Record<string, string> {
  return { [`notifications.argoproj.io/subscribe.${previewStatusTrigger(env)}.github`]: '' };
}

const ALERTS = {
  'on-sync-failed': { template: 'app-sync-failed', description: 'The sync failed', when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']" },
  'on-health-degraded': { template: 'app-health-degraded', description: 'The Application is degraded', when: "app.status.health.status == 'Degraded'" },
} as const;

function message(description: string): string {
  return `message: |\n  {{.app.metadata.name}}: ${description.charAt(0).toLowerCase()}${description.slice(1)}.\n  Sync: {{.app.status.sync.status}}, health: {{.app.status.health.status}}, revision: {{.app.status.sync.revision}}.\n`;
}

/**
 * The argocd-notifications-cm keys an environment's subscriptions need: the alert triggers and their
 * message templates when `alerts` is set, the tenant-ready webhook service, trigger and template when
 * `tenantReady` is.
 */
export function notificationSettings(env: string, alerts: NotificationTarget | undefined, tenantReady: TenantReadyWebhook | undefined, previews?: PreviewStatusReport): Record<string, string> {
  const data: Record<string, string> = {};
  if (previews) Object.assign(data, previewStatusSettings(env, previews));
  // No oncePer on alerts: a trigger then sends each time its condition becomes true, so a second drift
  // (or degradation) at the same git revision is reported too; drift in prod rarely changes the revision.
  if (alerts) {
    for (const [trigger, t] of Object.entries(ALERTS)) {
      data[`trigger.${trigger}`] = `- description: ${t.description}\n  send: [${t.template}]\n  when: ${t.when}\n`;
      data[`template.${t.template}`] = message(t.description);
    }
    const timed = timedTriggers(alerts);
    // Drift is not here: Argo CD keeps no time of the change to OutOfSync, so the drift alert is a
    // Prometheus rule (DriftAlerts), which measures how long the state has lasted.
    // The two below measure from a time Argo CD records for exactly what they watch: the health's own
    // last transition (status.health.lastTransitionTime: a KEDA scale-up that is Progressing for a
    // minute after a quiet week does not count), a sync from its start. The notifications controller
    // evaluates conditions on every Application update and at least once a minute, and sends when a
    // condition turns true.
    const stuck = `Suspended or Progressing for ${timed.stuckMinutes} minutes (a canary paused or waiting on an inconclusive analysis, a rollout that does not finish)`;
    data[`trigger.${timed.stuck}`] = `- description: ${stuck}\n  send: [app-${timed.stuck.replace(/^on-/, '')}]\n`
      + `  when: app.status.health.status in ['Suspended', 'Progressing'] and app.status.health.lastTransitionTime != nil and time.Now().Sub(time.Parse(app.status.health.lastTransitionTime)).Minutes() >= ${timed.stuckMinutes}\n`;
    data[`template.app-${timed.stuck.replace(/^on-/, '')}`] = message(stuck);
    const slow = `A sync has run for ${timed.syncMinutes} minutes and not finished`;
    data[`trigger.${timed.slowSync}`] = `- description: ${slow}\n  send: [app-${timed.slowSync.replace(/^on-/, '')}]\n`
      + `  when: app.status.operationState != nil and app.status.operationState.phase in ['Running'] and time.Now().Sub(time.Parse(app.status.operationState.startedAt)).Minutes() >= ${timed.syncMinutes}\n`;
    data[`template.app-${timed.slowSync.replace(/^on-/, '')}`] = message(slow);
  }
  if (tenantReady) {
    const service = tenantReadyService(env, tenantReady);
    data[`service.webhook.${service}`] = `url: ${tenantReady.url}\nheaders:\n- name: Content-Type\n  value: application/json\n`
      + `- name: Authorization\n  value: Bearer $${tenantReady.tokenKey ?? DEFAULT_TENANT_READY_TOKEN_KEY}\n`;
    // Once per sync that happened (as Argo CD's own on-deployed): keyed by the revision the last sync
    // operation applied, not by the revision the Application compares with, which every commit to the
    // envs repo moves (a commit elsewhere would send "ready" again, and a manual prod sync of a
    // revision already seen would send nothing).
    data[`trigger.on-tenant-ready-${env}`] = `- description: The tenant's Application in ${env} was synced and is healthy (once per sync of a revision)\n`
      + `  oncePer: app.status.operationState?.syncResult?.revision\n  send: [tenant-ready-${env}]\n`
      + `  when: app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.sync.status == 'Synced' and app.status.health.status == 'Healthy'\n`;
    // Every value in the body is a DNS label or a commit id (no quoting needed): the tenant label, the Application name, the revision.
    data[`template.tenant-ready-${env}`] = `webhook:\n  ${service}:\n    method: POST\n    body: |\n`
      + `      {"tenant": "{{index .app.metadata.labels "${TENANT_LABEL}"}}", "environment": "${env}", "application": "{{.app.metadata.name}}", "revision": "{{.app.status.operationState.syncResult.revision}}"}\n`;
  }
  return data;
}

/**
 * The trigger and templates that report a preview's result on the pull request commit it was rendered
 * from (the Application's annotation records the repository; the synced envs commit records the
 * source commit, `Source-Commit:`, read with the repo service's commit metadata): success
 * once a sync of a revision finished and the preview is healthy (its smoke tests, PostSync hooks, passed),
 * failure when a sync failed (a smoke test failed, or Argo CD refused an object). Once per synced revision each.
 */
function previewStatusSettings(env: string, report: PreviewStatusReport): Record<string, string> {
  const trigger = previewStatusTrigger(env);
  const once = '  oncePer: app.status.operationState?.syncResult?.revision\n';
  const status = (state: 'success' | 'failure', description: string) => `message: |\n  {{.app.metadata.name}}: ${description}.\n`
    + 'github:\n'
    + `  repoURLPath: '{{index .app.metadata.annotations "${PREVIEW_SOURCE_REPO_ANNOTATION}"}}'\n`
    // The source commit the synced preview was rendered from (the pull request's head), as publish recorded it in the envs commit.
    + `  revisionPath: '{{ (call .repo.GetCommitMetadata .app.status.operationState.syncResult.revision).Message | regexFind "${SOURCE_COMMIT_TRAILER}: [0-9a-f]{40}" | trimPrefix "${SOURCE_COMMIT_TRAILER}: " }}'\n`
    + `  status:\n    state: ${state}\n    label: stoa-preview\n`
    + (report.argocdUrl ? `    targetURL: '${report.argocdUrl.replace(/\/+$/, '')}/applications/${report.argocdNamespace}/{{.app.metadata.name}}'\n` : '');
  return {
    [`trigger.${trigger}`]: `- description: The preview synced and is healthy: its smoke tests passed\n${once}  send: [preview-passed-${env}]\n`
      + "  when: app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'\n"
      + `- description: The preview's sync failed: a smoke test failed, or Argo CD refused an object\n${once}  send: [preview-failed-${env}]\n`
      + "  when: app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']\n",
    [`template.preview-passed-${env}`]: status('success', 'the preview synced and its smoke tests passed'),
    [`template.preview-failed-${env}`]: status('failure', 'the preview did not sync: {{.app.status.operationState.message}}'),
  };
}
