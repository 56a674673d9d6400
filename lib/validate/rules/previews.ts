import { RESOURCES_FINALIZER } from '../../argocd/sync-policy';
import { PREVIEW_BRANCH_PREFIX, PREVIEW_NAMESPACE_PREFIX } from '../../layout/preview-names';
import { list } from '../model/fields';
import { indexOf } from '../model/context-index';
import { environmentFacts, environmentOf, ObjectInFile, PolicyContext, PolicyRule } from '../policy';

// Pull request previews: the ApplicationSet whose Pull Request generator makes an Application per
// pull request, and the AppProject that fences them. What a preview deploys is rendered by the pull
// request's own code, so the fence (rendered from the main branch, in the environment's app-of-apps)
// is what keeps it in its namespaces: every part of it is checked here.

/** The providers of the Pull Request generator that filter by label (every one we render has labels). */
const PROVIDERS = ['github', 'gitlab', 'gitea'] as const;

/** Kinds a preview may never create: Argo CD's own (a project or Application reaches beyond the fence) and Secrets. */
const FORBIDDEN_KINDS = new Set(['argoproj.io/Application', 'argoproj.io/AppProject', 'argoproj.io/ApplicationSet', '/Secret']);

/** The pull request number placeholder of the generator (fasttemplate). */
const N = '{{number}}';

/** Whether `set` is an ApplicationSet with a Pull Request generator. */
export function isPreviewApplicationSet(set: ObjectInFile): boolean {
  return set.object.kind === 'ApplicationSet' && list((set.object.spec as any)?.generators).some((g: any) => g?.pullRequest !== undefined);
}

/** `<env>/<project>` of every AppProject a preview ApplicationSet uses: `preview-fence` checks them, `project-scope` leaves them to it. */
export function previewFenceProjects(context: PolicyContext): Set<string> {
  return new Set(indexOf(context).ofKind('ApplicationSet').filter(isPreviewApplicationSet)
    .map((s) => `${environmentOf(s.path)}/${(s.object.spec as any)?.template?.spec?.project}`));
}

/** `preview-fence`: a pull request preview reaches only its own namespaces of its cluster, from its own branch of the envs repo. */
export const previewFence: PolicyRule = {
  id: 'preview-fence',
  reason: 'pull request previews are fenced by what the main branch renders: one Pull Request generator filtered by labels, Applications named pr-<number> reading only preview/pr-<number> of the envs repo, in a fixed AppProject that allows only pr-* namespaces of the cluster, only Namespaces named pr-* and no Argo CD kinds or Secrets',
  check: (context) => {
    const projects = new Map(indexOf(context).ofKind('AppProject').map((p) => [`${environmentOf(p.path)}/${p.object.metadata.name}`, p]));
    return indexOf(context).ofKind('ApplicationSet').filter(isPreviewApplicationSet).flatMap((set) => {
      const env = environmentOf(set.path);
      const facts = environmentFacts(context, env);
      const spec = set.object.spec as any;
      const template = spec?.template ?? {};
      const problems: string[] = [];
      const generators = list(spec?.generators);
      const pr = generators[0]?.pullRequest;
      if (generators.length !== 1 || Object.keys(generators[0] ?? {}).length !== 1 || pr === undefined) {
        problems.push('has generators besides its one Pull Request generator: every Application it makes must be a preview');
      } else {
        const providers = PROVIDERS.filter((p) => pr[p] !== undefined);
        const others = Object.keys(pr).filter((k) => !(PROVIDERS as readonly string[]).includes(k) && !['requeueAfterSeconds', 'filters'].includes(k));
        if (providers.length !== 1 || others.length > 0) problems.push(`Pull Request generator must name one of ${PROVIDERS.join(', ')} and nothing else (got ${Object.keys(pr).join(', ')})`);
        const provider = providers.length === 1 ? pr[providers[0]] : undefined;
        if (provider && list(provider.labels).length === 0) problems.push('Pull Request generator has no labels: every pull request would get a preview (and its capacity)');
        if (provider && !provider.tokenRef?.secretName) problems.push('Pull Request generator has no tokenRef: the API token comes from a Secret of Argo CD\'s namespace');
      }
      if (spec?.goTemplate !== false && spec?.goTemplate !== undefined) problems.push('uses goTemplate: the template\'s placeholders ({{number}}) are fasttemplate\'s');
      if (spec?.syncPolicy?.preserveResourcesOnDeletion === true) problems.push('preserves resources on deletion: a closed pull request\'s preview would stay running');
      if (['create-only', 'create-update'].includes(spec?.syncPolicy?.applicationsSync)) problems.push(`has applicationsSync ${spec.syncPolicy.applicationsSync}: a closed pull request's Application would never be deleted`);
      const name = template.metadata?.name;
      if (name !== `${PREVIEW_NAMESPACE_PREFIX}${N}`) problems.push(`template name is "${name}", not "${PREVIEW_NAMESPACE_PREFIX}${N}": previews are named for their pull request`);
      if (!list(template.metadata?.finalizers).includes(RESOURCES_FINALIZER)) problems.push(`template has no ${RESOURCES_FINALIZER}: a closed pull request's preview would stay running`);
      const project = template.spec?.project;
      if (typeof project !== 'string' || project.includes('{{')) problems.push(`template project is "${project}": a pull request must never choose its project`);
      if (template.spec?.sources !== undefined) problems.push('template has sources: a preview reads one folder of the envs repo');
      const source = template.spec?.source ?? {};
      const url = facts.envsRepo?.url;
      if (url && source.repoURL !== url) problems.push(`template reads ${source.repoURL}, not the envs repo (${url})`);
      if (source.targetRevision !== `${PREVIEW_BRANCH_PREFIX}${PREVIEW_NAMESPACE_PREFIX}${N}`) problems.push(`template reads revision "${source.targetRevision}", not "${PREVIEW_BRANCH_PREFIX}${PREVIEW_NAMESPACE_PREFIX}${N}"`);
      if (source.path !== `${PREVIEW_NAMESPACE_PREFIX}${N}`) problems.push(`template reads folder "${source.path}", not "${PREVIEW_NAMESPACE_PREFIX}${N}"`);
      for (const key of ['helm', 'kustomize', 'plugin', 'chart']) if (source[key] !== undefined) problems.push(`template source has ${key}: a preview is the rendered folder, applied as it is`);
      const destination = template.spec?.destination ?? {};
      if (facts.clusterServer && destination.server !== facts.clusterServer) problems.push(`template deploys to ${destination.server ?? destination.name}, not the cluster of ${env} (${facts.clusterServer})`);
      if (typeof destination.namespace !== 'string' || !destination.namespace.startsWith(`${PREVIEW_NAMESPACE_PREFIX}${N}-`)) problems.push(`template destination namespace "${destination.namespace}" is not one of the preview's (${PREVIEW_NAMESPACE_PREFIX}${N}-...)`);
      if (facts.envsRepo?.revision.startsWith(PREVIEW_BRANCH_PREFIX)) problems.push(`${env} deploys revision ${facts.envsRepo.revision}, a preview branch`);
      const fence = typeof project === 'string' ? projects.get(`${env}/${project}`) : undefined;
      if (typeof project === 'string' && !project.includes('{{') && !fence) problems.push(`template project "${project}" is not in the output`);
      if (fence) problems.push(...fenceProblems(fence, url, facts.clusterServer).map((p) => `AppProject "${project}" ${p}`));
      return problems.map((message) => ({ file: set.path, message: `ApplicationSet "${set.object.metadata.name}": ${message}` }));
    });
  },
};

/** What is wrong with the AppProject of the previews: anything beyond the envs repo, pr-* namespaces of the cluster and a preview's kinds. */
function fenceProblems(project: ObjectInFile, url: string | undefined, server: string | undefined): string[] {
  const spec = project.object.spec as any;
  const problems: string[] = [];
  const repos = list(spec?.sourceRepos);
  if (repos.length !== 1 || (url && repos[0] !== url) || String(repos[0]).includes('*')) problems.push(`allows sources ${JSON.stringify(repos)}: only the envs repo${url ? ` (${url})` : ''}`);
  const destinations = list(spec?.destinations);
  if (destinations.length === 0) problems.push('has no destination');
  for (const d of destinations) {
    if ((server && d?.server !== server) || d?.name !== undefined || d?.namespace !== `${PREVIEW_NAMESPACE_PREFIX}*`) {
      problems.push(`allows destination ${d?.server ?? d?.name}/${d?.namespace}: only ${server ?? 'the cluster'}/${PREVIEW_NAMESPACE_PREFIX}*`);
    }
  }
  for (const k of list(spec?.clusterResourceWhitelist)) {
    if (k?.group !== '' || k?.kind !== 'Namespace' || k?.name !== `${PREVIEW_NAMESPACE_PREFIX}*`) problems.push(`allows cluster-scoped ${k?.group || 'core'}/${k?.kind}${k?.name ? ` named "${k.name}"` : ''}: only Namespaces named ${PREVIEW_NAMESPACE_PREFIX}*`);
  }
  const kinds = spec?.namespaceResourceWhitelist;
  if (!Array.isArray(kinds) || kinds.length === 0) problems.push('has no namespaceResourceWhitelist: it would allow every namespaced kind, Argo CD\'s own included');
  for (const k of list(kinds)) {
    if (k?.group === '*' || k?.kind === '*' || String(k?.kind ?? '').includes('*') || String(k?.group ?? '').includes('*')) problems.push(`namespaceResourceWhitelist allows ${k?.group}/${k?.kind}: name each kind`);
    else if (FORBIDDEN_KINDS.has(`${k?.group ?? ''}/${k?.kind}`)) problems.push(`namespaceResourceWhitelist allows ${k.group || 'core'}/${k.kind}: a preview never creates one`);
  }
  // Roles say who may see or sync a preview, never where it deploys: the RBAC rules check them.
  if (list(spec?.sourceNamespaces).length > 0) problems.push('has sourceNamespaces: only Applications in Argo CD\'s namespace, made by the ApplicationSet, use it');
  return problems;
}
