import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { MANIFEST_GENERATE_PATHS_ANNOTATION } from '../../argocd/sync-policy';
import { folderOf, isHandApplied, objectsByFolder, objectsSyncedBy, sourceFolderOf, sourcesOf } from '../model/output-index';
import { indexOf } from '../model/context-index';
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
 * the repo-server would regenerate them all on every commit). Read as Argo CD does
 * (`GetSourceRefreshPaths`, `AppFilesHaveChanged`): `;`-separated, trimmed, relative to the source
 * path unless it starts with `/`; a changed file counts if it is a path, lies under one, or matches
 * one as a glob (Go's `filepath.Match`). The source folder is covered when a change to any of its files
 * counts: a folder or a parent names it whole; files and globs must match every file it has now.
 */
export const refreshPaths: PolicyRule = {
  id: 'refresh-paths',
  reason: `every Application names its own source folder in ${MANIFEST_GENERATE_PATHS_ANNOTATION} ("./" or paths covering it), so a commit elsewhere does not regenerate its manifests`,
  check: ({ applications, objects }) => {
    let files: Map<string, string[]> | undefined;
    const filesOf = (folder: string): string[] => {
      if (!files) {
        files = new Map();
        for (const f of new Set(objects.map((o) => o.path))) {
          const inFolder = files.get(folderOf(f));
          if (inFolder) inFolder.push(f);
          else files.set(folderOf(f), [f]);
        }
      }
      return files.get(folder) ?? [];
    };
    return applications.flatMap((a) => {
      const value = (a.object.metadata as any)?.annotations?.[MANIFEST_GENERATE_PATHS_ANNOTATION];
      const fix = `set ${MANIFEST_GENERATE_PATHS_ANNOTATION}: "./" (its own folder)`;
      if (typeof value !== 'string' || value.trim() === '') {
        return [{ file: a.path, message: `Application "${a.object.metadata.name}" has no ${MANIFEST_GENERATE_PATHS_ANNOTATION} annotation: every commit to the envs repo regenerates its manifests; ${fix}` }];
      }
      return sourcesOf(a.object).filter((s) => typeof s?.path === 'string').flatMap((s) => {
        const source = sourceFolderOf(s.path);
        const paths = value.split(';').map((p) => p.trim()).filter((p) => p !== '').map((p) => refreshPath(source, p));
        if (paths.some((p) => isUnder(source, p))) return [];
        const missed = filesOf(source).filter((f) => !paths.some((p) => f === p || isUnder(folderOf(f), p) || globMatches(p, f)));
        if (filesOf(source).length > 0 && missed.length === 0) return [];
        return [{
          file: a.path,
          message: `Application "${a.object.metadata.name}": ${MANIFEST_GENERATE_PATHS_ANNOTATION} "${value}" does not cover its source folder ${source}`
            + `${missed.length > 0 ? ` (e.g. ${missed[0]})` : ''}, so a commit to it would not refresh the Application; ${fix}`,
        }];
      });
    });
  },
};

/** A path of the annotation as a path of the repository (`''` for its root), resolved as Argo CD does: relative to the source path unless it starts with `/`. */
function refreshPath(source: string, entry: string): string {
  return path.posix.normalize(entry.startsWith('/') ? entry : `/${source}/${entry}`).replace(/^\/+|\/+$/g, '');
}

/** Whether `folder` is `root` or lies under it (`''` is the repository root). */
function isUnder(folder: string, root: string): boolean {
  return root === '' || folder === root || folder.startsWith(`${root}/`);
}

/**
 * Go's `filepath.Match(pattern, name)` with `/` separators: `*` and `?` stop at `/`, `[...]` is a class of
 * characters and ranges (`^` negates; it must not be empty), `\\` escapes; a malformed pattern matches nothing.
 */
function globMatches(pattern: string, name: string): boolean {
  if (!/[*?[\\]/.test(pattern)) return false;
  // One character of a class at k (escaped or not), or undefined where Go says ErrBadPattern.
  const charAt = (k: number): { char: string; next: number } | undefined => {
    if (k >= pattern.length || pattern[k] === '-' || pattern[k] === ']') return undefined;
    if (pattern[k] !== '\\') return { char: pattern[k], next: k + 1 };
    return k + 1 < pattern.length ? { char: pattern[k + 1], next: k + 2 } : undefined;
  };
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (++i >= pattern.length) return false;
      re += escapeRegExp(pattern[i]);
    } else if (c === '[') {
      let j = i + 1;
      const negated = pattern[j] === '^';
      if (negated) j++;
      let ranges = '';
      for (let count = 0; !(pattern[j] === ']' && count > 0); count++) {
        const lo = charAt(j);
        if (!lo) return false;
        let hi = lo;
        if (pattern[lo.next] === '-') {
          const h = charAt(lo.next + 1);
          if (!h) return false;
          hi = h;
        }
        j = hi.next;
        // A range from high to low matches nothing (as in Go); a RegExp would refuse it.
        if (lo.char <= hi.char) ranges += `${escapeRegExp(lo.char)}-${escapeRegExp(hi.char)}`;
      }
      re += `[${negated ? '^' : ''}${ranges}]`;
      i = j;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

const SUBSCRIBE = 'notifications.argoproj.io/subscribe.';

/** The first YAML document of a ConfigMap value, or undefined when it does not parse. */
function yamlValue(text: unknown): any {
  try {
    return typeof text === 'string' ? parseYaml(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * {@link yamlValue}, parsing each text once: every Application of an environment subscribes to the
 * same triggers, whose definitions and templates were parsed again for each of them. The values
 * are only read.
 */
function yamlValues(): (text: unknown) => any {
  const parsed = new Map<string, any>();
  return (text) => {
    if (typeof text !== 'string') return undefined;
    if (!parsed.has(text)) parsed.set(text, yamlValue(text));
    return parsed.get(text);
  };
}

/**
 * `notification-subscriptions`: what an Application subscribes to is defined. Argo CD defines no
 * trigger by itself, so each `notifications.argoproj.io/subscribe.<trigger>.<service>` needs
 * `trigger.<trigger>` in the environment's `argocd-notifications-cm` patch (`argocd-config/`), each
 * template a trigger sends needs `template.<name>`, and a template's webhook needs its
 * `service.webhook.<name>` with a URL there too (other services, such as Slack, are the Argo CD
 * install's). Otherwise the notifications controller logs an error and sends nothing.
 */
export const notificationSubscriptions: PolicyRule = {
  id: 'notification-subscriptions',
  reason: "every Argo CD notification an Application subscribes to is defined in its environment's argocd-notifications-cm patch: the trigger, the templates it sends, and the URL of any webhook they call",
  check: (context) => {
    const settings = new Map<string, { file: string; data: Record<string, unknown> }>();
    for (const o of indexOf(context).ofKind('ConfigMap')) {
      if (o.object.metadata.name === 'argocd-notifications-cm' && folderOf(o.path) === `${environmentOf(o.path)}/argocd-config`) {
        settings.set(environmentOf(o.path), { file: o.path, data: ((o.object as any).data ?? {}) as Record<string, unknown> });
      }
    }
    const out: Array<{ file: string; message: string }> = [];
    const reported = new Set<string>();
    const once = (file: string, message: string) => {
      if (!reported.has(`${file}\0${message}`)) out.push({ file, message });
      reported.add(`${file}\0${message}`);
    };
    const parsedValue = yamlValues();
    for (const app of context.applications) {
      const env = environmentOf(app.path);
      const cm = settings.get(env);
      for (const key of Object.keys(app.object.metadata.annotations ?? {}).filter((k) => k.startsWith(SUBSCRIBE)).sort()) {
        const [trigger, service] = key.slice(SUBSCRIBE.length).split('.');
        const definition = parsedValue(cm?.data[`trigger.${trigger}`]);
        if (!Array.isArray(definition)) {
          once(app.path, `Application "${app.object.metadata.name}" subscribes to ${trigger}, which ${cm ? cm.file : `${env}/argocd-config/`} does not define (Argo CD defines no trigger by itself): it is never sent`);
          continue;
        }
        for (const template of definition.flatMap((d: any) => (Array.isArray(d?.send) ? d.send : []))) {
          const body = parsedValue(cm!.data[`template.${template}`]);
          if (body === undefined) {
            once(cm!.file, `trigger ${trigger} sends template ${template}, which is not defined here`);
            continue;
          }
          if (body?.webhook?.[service] !== undefined && typeof parsedValue(cm!.data[`service.webhook.${service}`])?.url !== 'string') {
            once(cm!.file, `template ${template} calls webhook ${service}, whose service.webhook.${service} with a url is not defined here: the Applications subscribed to ${trigger} notify nobody`);
          }
        }
      }
    }
    return out;
  },
};
