/** Where Argo CD notifications go. */
export interface NotificationTarget {
  /** Notification service configured in argocd-notifications-cm, e.g. `slack`. */
  readonly service: string;
  /** Recipient for that service, e.g. a Slack channel. */
  readonly recipient: string;
}

/**
 * Triggers an Application subscribes to: sync failed, health degraded and out of
 * sync (drift). Argo CD defines none of them by itself (the first two only come
 * with its optional catalog); {@link ArgoCdSettings} renders all three.
 */
export const NOTIFICATION_TRIGGERS = ['on-sync-failed', 'on-health-degraded', 'on-out-of-sync'] as const;

/** The `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations for `target`. */
export function notificationAnnotations(target: NotificationTarget): Record<string, string> {
  return Object.fromEntries(NOTIFICATION_TRIGGERS.map((t) => [`notifications.argoproj.io/subscribe.${t}.${target.service}`, target.recipient]));
}
