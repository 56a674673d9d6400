import { compareStrings } from '../sort';
import { BEHAVIOUR_RULES } from './behaviour';
import { labelsOf, list } from './model/fields';
import { CLUSTER_SCOPED_KINDS } from './model/kinds';
import { isTenantNamespace, namespaceLabelsOf, namespaceManifestLabels, TENANT_LABEL } from './model/namespaces';
import { folderOf, isHandApplied, objectsByEnvironment, objectsByFolder, objectsSyncedBy, sourceFolderOf, sourcesOf } from './model/output-index';
import { isHook } from './model/sync-phases';
import { API_SERVER_RULES } from './api-server';
import { environmentSources } from './environment-sources';
import { containersOf, environmentFacts, environmentOf, ObjectInFile, PolicyRule, podSpecOf } from './policy';


const workloads = (objects: readonly ObjectInFile[]) =>
  objects.flatMap((o) => {
    const pod = podSpecOf(o.object);
    return pod ? [{ ...o, pod }] : [];
  });

const noSecretData: PolicyRule = {
  id: 'no-secret-data',
  reason: 'secret values never reach dist/ or git; reference them with an ExternalSecret',
  check: ({ objects }) => objects
    .filter((o) => o.object.kind === 'Secret' && ['data', 'stringData'].some((k) => Object.keys((o.object as any)[k] ?? {}).length > 0))
    .map((o) => ({ file: o.path, message: `Secret "${o.object.metadata.name}" carries values in data/stringData` })),
};

/** A tag other than latest after the last path segment, or a digest. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon > 0 && lastSegment.slice(colon + 1) !== 'latest' && lastSegment.slice(colon + 1) !== '';
}

const imagePinned: PolicyRule = {
  id: 'image-pinned',
  reason: 'an image must name a version tag other than latest, or a digest, so dist/ says exactly what runs',
  check: ({ objects }) => workloads(objects).flatMap((w) => containersOf(w.pod)
    .filter((c) => typeof c.image !== 'string' || !isPinnedImage(c.image))
    .map((c) => ({ file: w.path, message: `container "${c.name}": image "${c.image}" is not pinned` }))),
};

const containerResources: PolicyRule = {
  id: 'container-resources',
  reason: 'every container sets CPU and memory requests and limits, so quotas and scheduling hold',
  check: ({ objects }) => workloads(objects).flatMap((w) => containersOf(w.pod).flatMap((c) => {
    const missing = ['requests', 'limits'].flatMap((kind) => ['cpu', 'memory']
      .filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `${kind}.${r}`));
    return missing.length ? [{ file: w.path, message: `container "${c.name}" has no ${missing.join(', ')}` }] : [];
  })),
};

const nonRoot: PolicyRule = {
  id: 'non-root',
  reason: 'pods run as non-root (runAsNonRoot: true on the pod or every container, and no runAsUser 0, which the kubelet then refuses to start)',
  check: ({ objects }) => workloads(objects).flatMap((w) => containersOf(w.pod).flatMap((c) => {
    if ((c.securityContext?.runAsNonRoot ?? w.pod.securityContext?.runAsNonRoot) !== true) {
      return [{ file: w.path, message: `container "${c.name}" may run as root: set runAsNonRoot: true` }];
    }
    // The container's runAsUser wins over the pod's; UID 0 with runAsNonRoot makes the kubelet refuse the container.
    const inContainer = typeof c.securityContext?.runAsUser === 'number';
    if ((inContainer ? c.securityContext.runAsUser : w.pod.securityContext?.runAsUser) !== 0) return [];
    return [{ file: w.path, message: `container "${c.name}" runs as UID 0 (runAsUser: 0 on the ${inContainer ? 'container' : 'pod'}) with runAsNonRoot: true: the kubelet refuses to start it; set a non-zero runAsUser` }];
  })),
};

/** A policy that selects every pod and allows nothing in either direction. */
function isDefaultDeny(spec: any): boolean {
  const selector = spec?.podSelector ?? {};
  const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && list(selector.matchExpressions).length === 0;
  const types: string[] = list(spec?.policyTypes);
  return selectsAll && types.includes('Ingress') && types.includes('Egress')
    && list(spec?.ingress).length === 0 && list(spec?.egress).length === 0;
}

const tenantDefaultDeny: PolicyRule = {
  id: 'tenant-default-deny',
  reason: 'every tenant namespace starts from a default-deny NetworkPolicy for ingress and egress',
  check: ({ objects }) => {
    const denied = new Set(objects
      .filter((o) => o.object.kind === 'NetworkPolicy' && isDefaultDeny(o.object.spec))
      .map((o) => `${environmentOf(o.path)}/${o.object.metadata.namespace}`));
    return objects
      .filter((o) => o.object.kind === 'Namespace' && isTenantNamespace(o.object.metadata.name, labelsOf(o.object.metadata.labels)))
      .filter((o) => !denied.has(`${environmentOf(o.path)}/${o.object.metadata.name}`))
      .map((o) => ({ file: o.path, message: `namespace "${o.object.metadata.name}" has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)` }));
  },
};


const projectScope: PolicyRule = {
  id: 'project-scope',
  reason: 'an AppProject allows only the envs repo and the destinations its own Applications use, with no wildcards (kinds, source namespaces, role actions; a tenant project names each cluster-scoped object)',
  check: (context) => {
    const { objects, applications: apps } = context;
    const byFolder = objectsByFolder(objects);
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
      for (const s of sourcesOf(a.object)) {
        for (const o of byFolder.get(sourceFolderOf(String(s.path ?? ''))) ?? []) {
          if (o.object.metadata.namespace !== undefined) used.add(destinationKey({ ...destination, namespace: o.object.metadata.namespace }));
        }
      }
    }
    const tenantNamespaces = new Map<string, Set<string>>();
    for (const [env, envObjects] of objectsByEnvironment(objects)) {
      const manifests = namespaceManifestLabels(envObjects);
      const names = new Set([...manifests.keys(), ...apps.filter((a) => environmentOf(a.path) === env).map((a) => String((a.object.spec as any)?.destination?.namespace ?? ''))]);
      tenantNamespaces.set(env, new Set([...names].filter((n) => n !== '' && isTenantNamespace(n, manifests.get(n) ?? namespaceLabelsOf(n)))));
    }
    return objects.filter((o) => o.object.kind === 'AppProject').flatMap((p) => {
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

const readOnlyManualSync: PolicyRule = {
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

const uniqueObjects: PolicyRule = {
  id: 'unique-objects',
  reason: 'no two objects of one environment share kind, namespace and name (one would overwrite the other)',
  check: ({ objects }) => {
    const first = new Map<string, string>();
    const out: Array<{ file: string; message: string }> = [];
    for (const o of objects) {
      const { kind, metadata } = o.object;
      const key = `${environmentOf(o.path)}|${kind}|${metadata.namespace ?? ''}|${metadata.name}`;
      const seen = first.get(key);
      if (seen) out.push({ file: o.path, message: `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name} is also defined in ${seen}` });
      else first.set(key, o.path);
    }
    return out;
  },
};

const sourcePathExists: PolicyRule = {
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

const singleAutoscaler: PolicyRule = {
  id: 'single-autoscaler',
  reason: 'a workload has at most one autoscaler (an HPA or a KEDA ScaledObject, never both): two would fight over replicas',
  check: ({ objects }) => {
    const owners = new Map<string, ObjectInFile[]>();
    for (const o of objects) {
      if (o.object.kind !== 'HorizontalPodAutoscaler' && o.object.kind !== 'ScaledObject') continue;
      const ref = (o.object.spec as any)?.scaleTargetRef ?? {};
      const key = `${environmentOf(o.path)}|${o.object.metadata.namespace ?? ''}|${ref.kind ?? 'Deployment'}/${ref.name}`;
      owners.set(key, [...(owners.get(key) ?? []), o]);
    }
    return [...owners.entries()].filter(([, list]) => list.length > 1).flatMap(([key, list]) => list.slice(1).map((o) => ({
      file: o.path,
      message: `${key.split('|')[2]} in ${o.object.metadata.namespace} is also scaled by ${list[0].object.kind} ${list[0].object.metadata.name} (${list[0].path})`,
    })));
  },
};

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function permits(entries: unknown, group: string, kind: string, name: string): boolean {
  const match = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;
  return list(entries).some((e) => match(e.group, group) && match(e.kind, kind) && match(e.name, name));
}

const projectPermits: PolicyRule = {
  id: 'project-permits',
  reason: "every object an Application deploys is allowed by its AppProject (kind whitelists, destinations), or Argo CD refuses the sync",
  check: ({ objects, applications }) => {
    const projects = new Map(objects.filter((o) => o.object.kind === 'AppProject')
      .map((p) => [`${environmentOf(p.path)}/${p.object.metadata.name}`, p]));
    const byFolder = objectsByFolder(objects);
    const out: Array<{ file: string; message: string }> = [];
    for (const app of applications) {
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
          const group = groupOf(o.object.apiVersion);
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

const tenantConfined: PolicyRule = {
  id: 'tenant-confined',
  reason: "a tenant's Application deploys into its own namespace only, except its Argo CD hook Jobs and cluster-scoped objects its AppProject names one by one (AppProjects cannot scope kinds per destination, so this is the fence)",
  check: ({ objects, applications }) => {
    const byFolder = objectsByFolder(objects);
    const projects = new Map(objects.filter((o) => o.object.kind === 'AppProject')
      .map((p) => [`${environmentOf(p.path)}/${p.object.metadata.name}`, p.object.spec as any]));
    return applications.flatMap((app) => {
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
        if (namespace === undefined && kind !== 'Namespace' && named(groupOf(o.object.apiVersion), kind, metadata.name)) return [];
        const where = namespace === undefined ? 'cluster-scoped' : `in namespace ${namespace}`;
        return [{ file: o.path, message: `${kind} ${metadata.name}, deployed by tenant Application "${app.object.metadata.name}", is ${where}: a tenant deploys into ${destination} only (hook Jobs excepted; a cluster-scoped object only when its AppProject names it)` }];
      });
    });
  },
};

/** Every platform rule, in report order: per-object rules, what the API server refuses, then the behaviour rules that model the cluster's tools. */
export const POLICY_RULES: readonly PolicyRule[] = [
  noSecretData, imagePinned, containerResources, nonRoot, tenantDefaultDeny,
  projectScope, projectPermits, tenantConfined, readOnlyManualSync, uniqueObjects, sourcePathExists, environmentSources, singleAutoscaler,
  ...API_SERVER_RULES,
  ...BEHAVIOUR_RULES,
];
