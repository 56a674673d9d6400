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

/**
 * Sync options of one object (gitops-engine reads it as a comma-separated list): `Prune=false` keeps
 * it when git no longer has it, `Delete=false` keeps it when its Application is deleted.
 */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** The sync options an object's {@link SYNC_OPTIONS_ANNOTATION} sets (`Prune=false`, ...); none when it has no such annotation, or one that is not text. */
export function syncOptionsOf(object: { readonly metadata?: object }): Set<string> {
  const annotations = (object.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  const value = annotations?.[SYNC_OPTIONS_ANNOTATION];
  return new Set(typeof value === 'string' ? value.split(',').map((o) => o.trim()) : []);
}

/** {@link SYNC_OPTIONS_ANNOTATION} of what only a person may delete: neither a sync nor deleting its Application removes it. */
export const RETAINED = 'Prune=false,Delete=false';

/** Annotation that orders objects within one sync. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * The paths of the repository an Application's manifests come from (`;`-separated, relative to its
 * source path or absolute from the repository root): on a new commit (webhook or poll, Argo CD
 * 2.11+) an Application whose paths no changed file touches keeps its cached manifests instead of
 * being regenerated. Every Application we render names its own folder ({@link OWN_FOLDER}).
 */
export const MANIFEST_GENERATE_PATHS_ANNOTATION = 'argocd.argoproj.io/manifest-generate-paths';

/**
 * An Application's own source folder in {@link MANIFEST_GENERATE_PATHS_ANNOTATION}: `./` (Argo CD joins it to
 * the source path, as it does the docs' `.`). Not `.`: written bare, it reads as a float under the YAML 1.1
 * schema our `yaml-syntax` rule applies (Go's YAML reader takes it as text, but the output must read the same everywhere).
 */
export const OWN_FOLDER = './';
