import * as path from 'path';
import { MANIFEST_GENERATE_PATHS_ANNOTATION } from '../../argocd/sync-policy';
import { folderOf, isHandApplied, objectsByFolder, objectsSyncedBy, sourceFolderOf, sourcesOf } from '../model/output-index';
import { environmentOf, PolicyRule } from '../policy';

// Argo CD Applications: how read-only environments sync, and Applications matching the folders of the output.

/** `read-only-manual-sync`: no automated sync in a read-only environment. */
export const readOnlyManualSync: PolicyRule = {
  id: 'read-only-manual-sync',
  reason: 'Applications of read-only environments (prod) are synced by a person, never automatically',
  check: ({ applications, readOnlyEnvironments }) => applications
    .filter((o) => readOnlyEnvironments.has(environmentOf(o.path)))
    .filter((o) => {
      const automated = (o.object.spec as any)?.syncPolicy?.automated;
      return automated !== undefined && automated !== null && automated.enabled !== false;
    })
    .map((o) => ({ file: o.path, message: `Application "${o.object.metadata.name}" in read-only environment "${environmentOf(o.path)}" has automated sync` })),
};

/** `source-path-exists`: Applications and the folders of the output match. */
export const sourcePathExists: PolicyRule = {
  id: 'source-path-exists',
  reason: "every Application's source path is a folder of the output with manifests in it, and every manifest is in a folder an Application syncs (bootstrap/ and argocd-config/ are applied by hand)",
  check: ({ objects, applications }) => {
    const folders = new Set(objects.map((o) => folderOf(o.path)));
    const missing = applications.flatMap((a) => sourcesOf(a.object)
      .filter((s) => typeof s.path !== 'string' || !folders.has(sourceFolderOf(s.path)))
      .map((s) => ({ file: a.path, message: `Application "${a.object.metadata.name}": source path "${s.path}" has no manifests in the output` })));
    // A directory source applies the files directly in its folder: a manifest anywhere else is counted here but never reaches the cluster.
    const byFolder = objectsByFolder(objects);
    const synced = new Set(applications.flatMap((a) => objectsSyncedBy(a.object, byFolder)));
    const sourceFolders = new Set(applications.flatMap((a) => sourcesOf(a.object))
      .filter((s) => typeof s?.path === 'string').map((s) => sourceFolderOf(s.path)));
    const unsynced = new Map<string, string>();
    for (const o of objects) {
      if (synced.has(o) || isHandApplied(o.path) || unsynced.has(o.path)) continue;
      const folder = folderOf(o.path);
      let parent = folder;
      while (parent.includes('/') && !sourceFolders.has(parent)) parent = folderOf(parent);
      const fix = sourceFolders.has(parent) && parent !== folder
        ? `move it into ${parent}/ (Argo CD does not read the sub-folders of an Application's source path)`
        : `add an Application whose source path is ${folder}`;
      unsynced.set(o.path, `${o.object.kind} ${o.object.metadata.name} is in ${folder}/, which no Application syncs, so it is never applied: ${fix}`);
    }
    return [...missing, ...[...unsynced].map(([file, message]) => ({ file, message }))];
  },
};

/**
 * `refresh-paths`: an Application names the folders its manifests come from, so a commit to one
 * tenant regenerates one Application, not every Application of the envs repo (at 3,000 of them,
 * the repo-server would regenerate them all on every commit).
 */
export const refreshPaths: PolicyRule = {
  id: 'refresh-paths',
  reason: `every Application names its own source folder in ${MANIFEST_GENERATE_PATHS_ANNOTATION} ("./" or a path covering it), so a commit elsewhere does not regenerate its manifests`,
  check: ({ applications }) => applications.flatMap((a) => {
    const value = (a.object.metadata as any)?.annotations?.[MANIFEST_GENERATE_PATHS_ANNOTATION];
    const fix = `set ${MANIFEST_GENERATE_PATHS_ANNOTATION}: "./" (its own folder)`;
    if (typeof value !== 'string' || value.trim() === '') {
      return [{ file: a.path, message: `Application "${a.object.metadata.name}" has no ${MANIFEST_GENERATE_PATHS_ANNOTATION} annotation: every commit to the envs repo regenerates its manifests; ${fix}` }];
    }
    const uncovered = sourcesOf(a.object).filter((s) => typeof s?.path === 'string')
      .map((s) => sourceFolderOf(s.path))
      .filter((source) => !value.split(';').map((p) => generatePath(source, p.trim())).some((p) => p !== undefined && (p === '' || source === p || source.startsWith(`${p}/`))));
    return uncovered.map((source) => ({
      file: a.path,
      message: `Application "${a.object.metadata.name}": ${MANIFEST_GENERATE_PATHS_ANNOTATION} "${value}" does not cover its source folder ${source}, so a commit to it would not refresh the Application; ${fix}`,
    }));
  }),
};

/** A path of the annotation as a folder of the repository (`''` for its root), resolved as Argo CD does: relative to the source path unless it starts with `/`. */
function generatePath(source: string, entry: string): string | undefined {
  if (entry === '') return undefined;
  const resolved = path.posix.normalize(entry.startsWith('/') ? entry : `/${source}/${entry}`);
  return resolved.replace(/^\/+|\/+$/g, '');
}
