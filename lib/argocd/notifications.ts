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

/** Where Argo CD notifications go. */
export interface NotificationTarget {
  /** Notification service configured in argocd-notifications-cm, e.g. `slack`. */
  readonly service: string;
  /** Recipient for that service, e.g. a Slack channel. */
  readonly recipient: string;
  /**
   * Minutes an Application may stay out of sync, with no sync operation in that time, before the drift
   * trigger sends.
   * @default 10
   */
  readonly driftMinutes?: number;
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

/** Default {@link TenantReadyWebhook.tokenKey}. */
export const DEFAULT_TENANT_READY_TOKEN_KEY = 'control-plane-token';

/** The alert triggers every Application subscribes to, for drift after `driftMinutes`. */
export function alertTriggers(driftMinutes: number = DEFAULT_DRIFT_MINUTES): string[] {
  return ['on-sync-failed', 'on-health-degraded', driftTrigger(driftMinutes)];
}

/** The drift trigger's name: the minutes are in it, so environments with other limits never share (and overwrite) one key. */
function driftTrigger(minutes: number): string {
  return `on-out-of-sync-${minutes}m`;
}

/** The `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations of every Application for `target`. */
export function notificationAnnotations(target: NotificationTarget): Record<string, string> {
  return Object.fromEntries(alertTriggers(target.driftMinutes).map((t) => [`notifications.argoproj.io/subscribe.${t}.${target.service}`, target.recipient]));
}

/** The webhook service name of `webhook` in environment `env`. */
export function tenantReadyService(env: string, webhook: TenantReadyWebhook): string {
  return webhook.service ?? defaultTenantReadyService(env);
}

/** The tenant-ready subscription of a tenant's Application in `env` (a webhook has no recipient). */
export function tenantReadyAnnotations(env: string, webhook: TenantReadyWebhook): Record<string, string> {
  return { [`notifications.argoproj.io/subscribe.on-tenant-ready-${env}.${tenantReadyService(env, webhook)}`]: '' };
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
export function notificationSettings(env: string, alerts: NotificationTarget | undefined, tenantReady: TenantReadyWebhook | undefined): Record<string, string> {
  const data: Record<string, string> = {};
  // No oncePer on alerts: a trigger then sends each time its condition becomes true, so a second drift
  // (or degradation) at the same git revision is reported too; drift in prod rarely changes the revision.
  if (alerts) {
    for (const [trigger, t] of Object.entries(ALERTS)) {
      data[`trigger.${trigger}`] = `- description: ${t.description}\n  send: [${t.template}]\n  when: ${t.when}\n`;
      data[`template.${t.template}`] = message(t.description);
    }
    const minutes = alerts.driftMinutes ?? DEFAULT_DRIFT_MINUTES;
    const drift = driftTrigger(minutes);
    const description = `Out of sync for ${minutes} minutes with no sync in that time (drift auto-sync does not correct, or a change waiting for a manual sync)`;
    // Argo CD keeps no time of the change to OutOfSync; the last sync's end stands for it. A sync under way
    // has no finishedAt: nothing is sent while it runs. The notifications controller evaluates conditions on
    // every Application update, so the time is checked at least at each reconciliation.
    data[`trigger.${drift}`] = `- description: ${description}\n  send: [app-${drift.replace(/^on-/, '')}]\n`
      + `  when: app.status.sync.status == 'OutOfSync' and (app.status.operationState == nil or (app.status.operationState.finishedAt != nil and time.Now().Sub(time.Parse(app.status.operationState.finishedAt)).Minutes() >= ${minutes}))\n`;
    data[`template.app-${drift.replace(/^on-/, '')}`] = message(description);
  }
  if (tenantReady) {
    const service = tenantReadyService(env, tenantReady);
    data[`service.webhook.${service}`] = `url: ${tenantReady.url}\nheaders:\n- name: Content-Type\n  value: application/json\n`
      + `- name: Authorization\n  value: Bearer $${tenantReady.tokenKey ?? DEFAULT_TENANT_READY_TOKEN_KEY}\n`;
    // Once per revision: the control plane hears of each version of a tenant once, when it is synced and healthy.
    data[`trigger.on-tenant-ready-${env}`] = `- description: The tenant's Application in ${env} is synced and healthy (once per revision)\n`
      + `  oncePer: app.status.sync.revision\n  send: [tenant-ready-${env}]\n`
      + `  when: app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'\n`;
    // Every value in the body is a DNS label or a commit id (no quoting needed): the tenant label, the Application name, the revision.
    data[`template.tenant-ready-${env}`] = `webhook:\n  ${service}:\n    method: POST\n    body: |\n`
      + `      {"tenant": "{{index .app.metadata.labels "${TENANT_LABEL}"}}", "environment": "${env}", "application": "{{.app.metadata.name}}", "revision": "{{.app.status.sync.revision}}"}\n`;
  }
  return data;
}
