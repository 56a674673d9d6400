import { ENVIRONMENT_DEFAULTS } from '../config/environment-defaults';
import { compareStrings } from '../sort';
import { list } from './model/fields';
import { sourceFolderOf, sourcesOf } from './model/output-index';
import { environmentFacts, environmentOf, PolicyRule } from './policy';

/** The API server of the cluster Argo CD runs in, as Applications name it. */
const IN_CLUSTER = ENVIRONMENT_DEFAULTS.argocdServer;

/** The fields of a plain directory source: Argo CD applies every YAML/JSON file directly in `path`, as validate reads them. */
const PLAIN_SOURCE_FIELDS = new Set(['repoURL', 'path', 'targetRevision']);

/** What Argo CD does with a source field beyond the plain directory: why validate cannot vouch for the folder. */
const SOURCE_FIELD_EFFECTS: Readonly<Record<string, string>> = {
  'directory.exclude': 'skips the files it matches',
  'directory.include': 'skips every file it does not match',
  'directory.recurse': 'also applies the files of every sub-folder',
  'directory.jsonnet': 'evaluates Jsonnet with these settings',
  plugin: 'renders the folder through a config management plugin',
  helm: 'renders the folder as a Helm chart',
  chart: 'reads a Helm chart instead of the folder',
  kustomize: 'renders the folder with Kustomize',
};

/** Fields of a source that make it more than a plain directory source (an empty `directory: {}` is plain), with their effect. */
function nonPlainSourceFields(source: any): string[] {
  if (source === null || typeof source !== 'object') return [];
  return Object.keys(source).flatMap((key) => {
    if (PLAIN_SOURCE_FIELDS.has(key)) return [];
    const value = source[key];
    const fields = key === 'directory' && value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value).map((k) => `directory.${k}`)
      : key === 'directory' && (value === null || value === undefined) ? [] : [key];
    return fields.map((f) => `${f} (${SOURCE_FIELD_EFFECTS[f] ?? 'changes what Argo CD reads or how it renders it'})`);
  });
}

/**
 * An environment's Applications read only that environment's folder, from its envs repo at its
 * revision, and deploy only to its cluster (or, for the app-of-apps, to Argo CD's namespace). A
 * prod Application pointing at `dev/...`, or at another repository, would put untested or foreign
 * manifests into prod while every file of prod/ looked right. Each source is a plain directory source
 * (see {@link nonPlainSourceFields}): with include/exclude, recursion, Jsonnet, a plugin, Helm or
 * Kustomize, Argo CD would apply something other than the files validate checked.
 */
export const environmentSources: PolicyRule = {
  id: 'environment-sources',
  reason: "an environment's Applications read only its own folder of the configured envs repo at its revision, as a plain directory (no include/exclude, recursion, Jsonnet, plugin, Helm or Kustomize), and deploy only to its cluster",
  check: (context) => {
    const out: Array<{ file: string; message: string }> = [];
    const firstSeen = new Map<string, { repoURL: string; revision: string; file: string }>();
    for (const app of context.applications) {
      const env = environmentOf(app.path);
      const facts = environmentFacts(context, env);
      const name = `Application "${app.object.metadata.name}"`;
      const spec = app.object.spec as any;
      sourcesOf(app.object).forEach((s, i) => {
        const fields = nonPlainSourceFields(s);
        const where = spec?.source && i === 0 ? 'spec.source' : `spec.sources[${spec?.source ? i - 1 : i}]`;
        if (fields.length > 0) {
          out.push({ file: app.path, message: `${name}: ${where} is not a plain directory source (only repoURL, path, targetRevision, an empty directory): ${fields.join(', ')}; Argo CD would not apply the folder's files as validated` });
        }
        const folder = sourceFolderOf(String(s?.path ?? ''));
        if (folder !== env && !folder.startsWith(`${env}/`)) out.push({ file: app.path, message: `${name} of environment ${env} reads "${s?.path}", outside ${env}/` });
        if (folder.split('/').includes('..')) out.push({ file: app.path, message: `${name}: source path "${s?.path}" must not hold ".."` });
        const repoURL = String(s?.repoURL ?? '');
        const revision = String(s?.targetRevision ?? 'HEAD');
        if (facts.envsRepo) {
          if (repoURL !== facts.envsRepo.url) out.push({ file: app.path, message: `${name}: repoURL "${repoURL}" is not the envs repo of ${env} (${facts.envsRepo.url})` });
          if (revision !== facts.envsRepo.revision) out.push({ file: app.path, message: `${name}: targetRevision "${revision}" is not the revision ${env} deploys (${facts.envsRepo.revision})` });
        } else {
          const first = firstSeen.get(env);
          if (!first) firstSeen.set(env, { repoURL, revision, file: app.path });
          else if (first.repoURL !== repoURL || first.revision !== revision) {
            out.push({ file: app.path, message: `${name} reads ${repoURL}@${revision}, but ${first.file} reads ${first.repoURL}@${first.revision}: one environment has one envs repo and revision` });
          }
        }
      });
      const destination = (app.object.spec as any)?.destination ?? {};
      const allowed = [facts.clusterServer, destination.namespace === facts.argocdNamespace ? IN_CLUSTER : undefined].filter((s): s is string => s !== undefined);
      if (facts.clusterServer && !allowed.includes(destination.server)) {
        out.push({ file: app.path, message: `${name} deploys to ${destination.server ?? destination.name ?? 'no server'}, not the cluster of ${env} (${allowed.sort(compareStrings).join(' or ')})` });
      }
    }
    for (const set of context.objects.filter((o) => o.object.kind === 'ApplicationSet')) {
      const url = environmentFacts(context, environmentOf(set.path)).envsRepo?.url;
      const spec = (set.object.spec as any) ?? {};
      const name = `ApplicationSet "${set.object.metadata.name}"`;
      for (const g of list(spec.generators)) {
        const repoURL = g?.git?.repoURL;
        if (url && repoURL !== undefined && repoURL !== url) out.push({ file: set.path, message: `${name}: git generator reads "${repoURL}", not the envs repo (${url})` });
        // Validation previews only git directory generators over `<folder>/*`: anything else would make Applications no rule saw.
        const kinds = Object.keys(g ?? {});
        // A Pull Request generator makes the previews: rule preview-fence checks it and what it may reach.
        if (kinds.length === 1 && kinds[0] === 'pullRequest') continue;
        const files = list(g?.git?.files).length > 0;
        const patterns = list(g?.git?.directories).map((d: any) => String(d?.path ?? ''));
        if (kinds.length !== 1 || kinds[0] !== 'git' || files || patterns.some((p) => !/^[a-z0-9][-a-z0-9/]*\/\*$/.test(p))) {
          out.push({ file: set.path, message: `${name}: only git directory generators over "<folder>/*" are allowed (got ${JSON.stringify(g)}): validation could not see the Applications others would generate` });
        }
      }
      for (const field of ['templatePatch', 'goTemplate', 'strategy']) {
        if (spec[field] !== undefined && spec[field] !== false) out.push({ file: set.path, message: `${name}: ${field} is not allowed: validation could not see the Applications it would shape` });
      }
    }
    return out;
  },
};
