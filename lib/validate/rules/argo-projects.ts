import { compareStrings } from '../../sort';
import { labelsOf, list, pushTo } from '../model/fields';
import { indexOf } from '../model/context-index';
import { apiGroupOf, CLUSTER_SCOPED_KINDS } from '../model/kinds';
import { isTenantNamespace, namespaceLabelsOf, TENANT_LABEL } from '../model/namespaces';
import { sourceFolderOf, sourcesOf } from '../model/output-index';
import { isHook } from '../model/sync-phases';
import { environmentFacts, environmentOf, ObjectInFile, PolicyRule } from '../policy';
import { previewFenceProjects } from './previews';

// Argo CD projects: what an AppProject allows, no more than its Applications use, and
// every object they deploy within it (a tenant's within its own namespace).

/** `project-scope`: an AppProject allows only what its Applications use. */
export const projectScope: PolicyRule = {
  id: 'project-scope',
  reason: 'an AppProject allows only the envs repo and the destinations its own Applications use, with no wildcards (kinds, source namespaces, role actions; a tenant project names each cluster-scoped object)',
  check: (context) => {
    const { applications: apps } = context;
    const index = indexOf(context);
    const byFolder = index.byFolder;
    // The configured envs repo when the environment files are known, else whatever the environment's Applications read.
    const envsRepo = new Map<string, Set<string>>();
    for (const a of apps) {
      const env = environmentOf(a.path);
      const set = envsRepo.get(env) ?? new Set<string>();
      for (const s of sourcesOf(a.object)) if (s.repoURL) set.add(s.repoURL);
      envsRepo.set(env, set);
    }
    for (const env of envsRepo.keys()) {
      const url = environmentFacts(context, env).envsRepo?.url;
      if (url) envsRepo.set(env, new Set([url]));
    }
    // Used destinations of each project (by environment): an Application's destination, or the namespace of an object it deploys.
    const usedBy = new Map<string, Set<string>>();
    for (const a of apps) {
      const key = `${environmentOf(a.path)}/${(a.object.spec as any)?.project}`;
      const used = usedBy.get(key) ?? new Set<string>();
      usedBy.set(key, used);
      const destination = (a.object.spec as any)?.destination;
      used.add(destinationKey(destination));
      // destinationKey of the destination with each object's namespace, without a copy per object.
      const server = `${destinationKey({ ...destination, namespace: '' })}`;
      for (const s of sourcesOf(a.object)) {
        for (const o of byFolder.get(sourceFolderOf(String(s.path ?? ''))) ?? []) {
          const namespace = o.object.metadata.namespace;
          if (namespace !== undefined) used.add(`${server}${namespace ?? ''}`);
        }
      }
    }
    const tenantNamespaces = new Map<string, Set<string>>();
    const destinationsByEnv = new Map<string, string[]>();
    for (const a of apps) pushTo(destinationsByEnv, environmentOf(a.path), String((a.object.spec as any)?.destination?.namespace ?? ''));
    for (const [env, { namespaceLabels: manifests }] of index.environments) {
      const names = new Set([...manifests.keys(), ...destinationsByEnv.get(env) ?? []]);
      tenantNamespaces.set(env, new Set([...names].filter((n) => n !== '' && isTenantNamespace(n, manifests.get(n) ?? namespaceLabelsOf(n)))));
    }
    const fences = previewFenceProjects(context);
    return index.ofKind('AppProject').filter((p) => !fences.has(`${environmentOf(p.path)}/${p.object.metadata.name}`)).flatMap((p) => {
      const env = environmentOf(p.path);
      const spec = p.object.spec as any;
      const problems: string[] = [];
      const repos: string[] = list(spec?.sourceRepos);
      const allowedRepos = envsRepo.get(env) ?? new Set<string>();
      for (const r of repos) {
        if (r.includes('*') || !allowedRepos.has(r)) problems.push(`sourceRepos allows "${r}", not the envs repo (${[...allowedRepos].sort(compareStrings).join(', ') || 'none'})`);
      }
      const used = usedBy.get(`${env}/${p.object.metadata.name}`) ?? new Set<string>();
      for (const d of list(spec?.destinations)) {
        const key = destinationKey(d);
        if (key.includes('*')) problems.push(`destination ${key} uses a wildcard`);
        else if (!used.has(key)) problems.push(`destination ${key} is not used by any of its Applications`);
      }
      const tenant = isTenantProject(p, tenantNamespaces.get(env) ?? new Set());
      for (const k of list(spec?.clusterResourceWhitelist)) {
        if (k.group === '*' || k.kind === '*') problems.push(`clusterResourceWhitelist allows every ${k.group === '*' ? 'group' : 'kind'}`);
        // A tenant may create its own Namespace only: a kind without a name lets it create (and own) any object of the kind.
        else if (tenant && (k.name === undefined || k.name === null || String(k.name).includes('*'))) {
          problems.push(`clusterResourceWhitelist allows every ${k.group ? `${k.group}/` : ''}${k.kind}${k.name === undefined || k.name === null ? ' (no name)' : ` named "${k.name}"`}: a tenant project names each cluster-scoped object it may deploy`);
        }
      }
      for (const n of list(spec?.sourceNamespaces)) {
        if (typeof n !== 'string' || n.includes('*') || n.startsWith('/')) problems.push(`sourceNamespaces allows "${n}": Applications of any matching namespace could use the project`);
      }
      for (const role of list(spec?.roles)) {
        for (const text of list(role?.policies)) {
          const problem = rolePolicyProblem(String(text), p.object.metadata.name);
          if (problem) problems.push(`role "${role?.name}" policy "${text}" ${problem}`);
        }
      }
      return problems.map((message) => ({ file: p.path, message: `AppProject "${p.object.metadata.name}": ${message}` }));
    });
  },
};

/** A tenant's AppProject: it carries the tenant label, or one of its destinations is a tenant namespace. */
function isTenantProject(project: ObjectInFile, tenantNamespaces: ReadonlySet<string>): boolean {
  return TENANT_LABEL in labelsOf(project.object.metadata.labels)
    || list((project.object.spec as any)?.destinations).some((d) => tenantNamespaces.has(String(d?.namespace ?? '')));
}

/**
 * What is wrong with a project role's Casbin policy (`p, <subject>, <resource>, <action>, <project>/<object>, <effect>`):
 * an allow of every action, on every resource, or on objects of another project.
 */
function rolePolicyProblem(text: string, project: string): string | undefined {
  const [type, , resource, action, object, effect = 'allow'] = text.split(',').map((f) => f.trim());
  if (type !== 'p' || effect !== 'allow') return undefined;
  if (action === '*') return 'allows every action (sync, delete, override, exec, ...): grant the actions the role needs';
  if (resource === '*') return 'allows every resource: name the resource (applications, logs, ...)';
  if (object === undefined || !object.startsWith(`${project}/`)) return `reaches objects outside project ${project} ("${object}")`;
  return undefined;
}

function destinationKey(d: any): string {
  return `${d?.server ?? d?.name ?? '?'}/${d?.namespace ?? ''}`;
}

const match = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;

function permits(entries: unknown, group: string, kind: string, name: string): boolean {
  return list(entries).some((e) => match(e.group, group) && match(e.kind, kind) && match(e.name, name));
}

/** `project-permits`: an AppProject allows every object its Applications deploy. */
export const projectPermits: PolicyRule = {
  id: 'project-permits',
  reason: "every object an Application deploys is allowed by its AppProject (kind whitelists, destinations), or Argo CD refuses the sync",
  check: (context) => {
    const index = indexOf(context);
    const projects = new Map(index.ofKind('AppProject').map((p) => [`${environmentOf(p.path)}/${p.object.metadata.name}`, p]));
    const byFolder = index.byFolder;
    const out: Array<{ file: string; message: string }> = [];
    for (const app of context.applications) {
      const spec = app.object.spec as any;
      const projectName = spec?.project;
      const project = projects.get(`${environmentOf(app.path)}/${projectName}`);
      if (!project) {
        out.push({ file: app.path, message: `Application "${app.object.metadata.name}": project "${projectName}" is not in the output` });
        continue;
      }
      const pspec = project.object.spec as any;
      const destinations = new Set(list(pspec?.destinations).map((d: any) => `${d.server}/${d.namespace}`));
      for (const source of sourcesOf(app.object)) {
        for (const o of byFolder.get(sourceFolderOf(String(source.path ?? ''))) ?? []) {
          const { kind, metadata } = o.object;
          const group = apiGroupOf(o.object.apiVersion);
          const problem = CLUSTER_SCOPED_KINDS.has(kind)
            ? (permits(pspec?.clusterResourceWhitelist, group, kind, metadata.name) ? undefined : 'clusterResourceWhitelist')
            : pspec?.namespaceResourceWhitelist && !permits(pspec.namespaceResourceWhitelist, group, kind, metadata.name)
              ? 'namespaceResourceWhitelist'
              : !destinations.has(`${spec?.destination?.server}/${metadata.namespace ?? spec?.destination?.namespace}`) && !destinations.has(`${spec?.destination?.server}/*`)
                ? `destinations (namespace ${metadata.namespace ?? spec?.destination?.namespace})`
                : undefined;
          if (problem) {
            out.push({ file: o.path, message: `${kind} ${metadata.name}, deployed by "${app.object.metadata.name}", is not allowed by the ${problem} of AppProject "${projectName}"` });
          }
        }
      }
    }
    return out;
  },
};

/** `tenant-confined`: a tenant deploys into its own namespace. */
export const tenantConfined: PolicyRule = {
  id: 'tenant-confined',
  reason: "a tenant's Application deploys into its own namespace only, except its Argo CD hook Jobs and cluster-scoped objects its AppProject names one by one (AppProjects cannot scope kinds per destination, so this is the fence)",
  check: (context) => {
    const index = indexOf(context);
    const byFolder = index.byFolder;
    const projects = new Map(index.ofKind('AppProject').map((p) => [`${environmentOf(p.path)}/${p.object.metadata.name}`, p.object.spec as any]));
    return context.applications.flatMap((app) => {
      const destination = String((app.object.spec as any)?.destination?.namespace ?? '');
      if (!destination.startsWith('tenant-')) return [];
      const project = projects.get(`${environmentOf(app.path)}/${(app.object.spec as any)?.project}`);
      // Widened on purpose: the project names this very object (a wildcard or a whole kind does not count).
      const named = (group: string, kind: string, name: string) => list(project?.clusterResourceWhitelist)
        .some((e: any) => e.group === group && e.kind === kind && e.name === name);
      return sourcesOf(app.object).flatMap((s) => byFolder.get(sourceFolderOf(String(s.path ?? ''))) ?? []).flatMap((o) => {
        const { kind, metadata } = o.object;
        const namespace = CLUSTER_SCOPED_KINDS.has(kind) ? undefined : metadata.namespace ?? destination;
        if (namespace === destination || (kind === 'Namespace' && metadata.name === destination) || (namespace !== undefined && (kind === 'Job' && isHook(o.object)))) return [];
        if (namespace === undefined && kind !== 'Namespace' && named(apiGroupOf(o.object.apiVersion), kind, metadata.name)) return [];
        const where = namespace === undefined ? 'cluster-scoped' : `in namespace ${namespace}`;
        return [{ file: o.path, message: `${kind} ${metadata.name}, deployed by tenant Application "${app.object.metadata.name}", is ${where}: a tenant deploys into ${destination} only (hook Jobs excepted; a cluster-scoped object only when its AppProject names it)` }];
      });
    });
  },
};

/**
 * Samples of the Argo CD RBAC actions a project role of a read-only environment must not grant on
 * any resource: each writes to the cluster, or to Argo CD's own objects, as Argo CD, whose writes
 * admission cannot tell from a sync (fine-grained `update/<group>/<kind>/<ns>/<name>` and
 * `delete/...` included; `action/<group>/<kind>/<name>` only when named one by one).
 */
const WRITE_ACTIONS = ['create', 'update', 'delete', 'override', 'update/apps/Deployment/ns/name', 'delete/apps/Deployment/ns/name', 'action/any.group/AnyKind/any-action'];

/** Argo CD's RBAC match of a policy field: a glob where `*` is any text, `/` included. */
function globMatches(pattern: string, value: string): boolean {
  const regex = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${regex}$`).test(value);
}

/** What a project role's Casbin policy line grants that a read-only environment's roles must not, or undefined. */
export function readOnlyGrant(text: string): string | undefined {
  const [type, , resource = '', action = '', , effect = 'allow'] = text.split(',').map((f) => f.trim());
  if (type !== 'p' || effect !== 'allow') return undefined;
  if (globMatches(resource, 'exec')) return 'grants exec (a shell in prod\'s pods)';
  const write = WRITE_ACTIONS.find((a) => globMatches(action, a));
  if ((write !== undefined && write.startsWith('action/')) || (action.startsWith('action/') && action.includes('*'))) {
    return `grants every action matching "${action}" (name each resource action the role needs)`;
  }
  return write === undefined ? undefined : `grants ${action === write ? action : `"${action}" (${write})`}`;
}

/**
 * `read-only-project-roles`: in a read-only environment (prod), a person changes nothing through
 * Argo CD's UI or API that git does not hold: its AppProject roles grant no create, update, delete
 * or override (edits of an Application, its manifests or its live objects), no resource action but
 * named ones (a Rollout's resume, abort, ...), and no exec.
 */
export const readOnlyProjectRoles: PolicyRule = {
  id: 'read-only-project-roles',
  reason: 'AppProject roles of read-only environments (prod) grant no create, update, delete, override or exec, and resource actions only by name (no action/* wildcard): Argo CD writes them as itself, so admission cannot refuse them',
  check: (context) => indexOf(context).ofKind('AppProject')
    .filter((p) => context.readOnlyEnvironments.has(environmentOf(p.path)))
    .flatMap((p) => list((p.object.spec as any)?.roles).flatMap((role) => list(role?.policies).flatMap((text) => {
      const problem = readOnlyGrant(String(text));
      return problem ? [{
        file: p.path,
        message: `AppProject "${p.object.metadata.name}" of read-only environment "${environmentOf(p.path)}": role "${role?.name}" policy "${text}" ${problem}: prod changes through git and a sync`,
      }] : [];
    }))),
};
