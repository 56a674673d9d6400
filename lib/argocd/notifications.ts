/** Where Argo CD notifications go. */
export interface NotificationTarget {
  /** Notification service configured in argocd-notifications-cm, e.g. `slack`. */
  readonly service: string;
  /** Recipient for that service, e.g. a Slack channel. */
  readonly recipient: string;
}

/**
 * Triggers an Application subscribes to: sync failed and health degraded are
 * Argo CD's built-in triggers; `on-out-of-sync` (drift) must be defined in
 * argocd-notifications-cm, e.g. `when: app.status.sync.status == 'OutOfSync'`.
 */
export const NOTIFICATION_TRIGGERS = ['on-sync-failed', 'on-health-degraded', 'on-out-of-sync'] as const;

/** The `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations for `target`. */
export function notificationAnnotations(target: NotificationTarget): Record<string, string> {
  return Object.fromEntries(NOTIFICATION_TRIGGERS.map((t) => [`notifications.argoproj.io/subscribe.${t}.${target.service}`, target.recipient]));
}
