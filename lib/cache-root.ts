import * as os from 'os';
import * as path from 'path';

/** `$XDG_CACHE_HOME/stoa-manifests` (or `~/.cache/stoa-manifests`): this library's caches that belong to no project folder. */
export function userCacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'stoa-manifests');
}
