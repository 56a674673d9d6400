/**
 * How Argo CD syncs an Application. Use the static factories.
 */
export class SyncMode {
  /**
   * Argo CD applies every change in git by itself, deletes what git no longer
   * has (prune) and reverts manual edits (self-heal). For dev and staging.
   */
  public static automated(): SyncMode {
    return new SyncMode(true);
  }

  /** A person starts every sync. For prod, where changes arrive only by promotion. */
  public static manual(): SyncMode {
    return new SyncMode(false);
  }

  private constructor(
    /** Whether Argo CD syncs on its own. */
    public readonly isAutomated: boolean,
  ) {}
}

/** Retry settings Argo CD recommends for production: 5 attempts, 5s doubling up to 3m. */
export const SYNC_RETRY = {
  limit: 5,
  backoff: { duration: '5s', factor: 2, maxDuration: '3m' },
} as const;

/** Argo CD's finalizer that deletes an Application's resources when the Application is deleted. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Annotation that orders objects within one sync. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
