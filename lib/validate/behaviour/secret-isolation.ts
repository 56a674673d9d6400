import { compareStrings } from '../../sort';
import { environmentOf, ObjectInFile, PolicyContext, PolicyRule, Violation } from '../policy';
import { matchesLabelSelector } from './analysis-can-fail';

/** A field that should be a list, as one: rules also run on objects whose schema check failed. */
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

type Labels = Readonly<Record<string, string>>;
type Finding = Omit<Violation, 'rule'>;

/** Label that makes a namespace a tenant's, and the label every namespace carries with its own name. */
const TENANT_LABEL = 'stoa.io/tenant';
const NAME_LABEL = 'kubernetes.io/metadata.name';

/** The prefix every secret path of tenant `tenant` starts with. */
export function tenantPathPrefix(tenant: string): string {
  return `tenants/${tenant}/`;
}

/** Whether `key` is a path under the tenant's prefix, with no `.`, `..` or empty segment to climb out of it. */
export function isTenantPath(key: string, tenant: string): boolean {
  const prefix = tenantPathPrefix(tenant);
  return key.startsWith(prefix) && key.length > prefix.length && key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** A namespace of an environment: its labels as a selector sees them, and its tenant if it is one's. */
interface NamespaceInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly tenant?: string;
}

/** What the rule knows about one environment. */
interface Environment {
  readonly objects: readonly ObjectInFile[];
  /** Every namespace the output renders, names or deploys into. */
  readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
  /** A tenant namespace that does not exist yet, labelled like the others: what `tenant-*` stands for. */
  readonly newTenant: NamespaceInfo;
  /** The namespace an object lands in: its own, else its Application's destination. */
  namespaceOf(o: ObjectInFile): string | undefined;
}

/** Tenant of a namespace: its `stoa.io/tenant` label, else the name after `tenant-`. */
function tenantOf(name: string, labels: Labels): string | undefined {
  return labels[TENANT_LABEL] ?? (name.startsWith('tenant-') && name.length > 'tenant-'.length ? name.slice('tenant-'.length) : undefined);
}

function namespaceInfo(name: string, manifestLabels: Labels = {}): NamespaceInfo {
  const labels = { ...manifestLabels, [NAME_LABEL]: name };
  return { name, labels, tenant: tenantOf(name, labels) };
}

/** Destination namespace of the Application that deploys each source folder. */
function destinations(applications: readonly ObjectInFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of applications) {
    const spec = app.object.spec as any;
    const namespace = spec?.destination?.namespace;
    if (typeof namespace !== 'string' || namespace === '') continue;
    for (const source of [spec?.source, ...list(spec?.sources)]) {
      if (typeof source?.path === 'string') out.set(source.path.replace(/^\.?\/+|\/+$/g, ''), namespace);
    }
  }
  return out;
}

/** Labels shared (same value) by every tenant Namespace manifest: how a new tenant's namespace would look. */
function sharedLabels(manifests: readonly Labels[]): Labels {
  if (manifests.length === 0) return {};
  return Object.fromEntries(Object.entries(manifests[0]).filter(([k, v]) => manifests.every((l) => l[k] === v)));
}

function environments(context: PolicyContext): Environment[] {
  const folders = destinations(context.applications);
  const byEnv = new Map<string, ObjectInFile[]>();
  for (const o of [...context.objects].sort((a, b) => compareStrings(a.path, b.path))) {
    byEnv.set(environmentOf(o.path), [...(byEnv.get(environmentOf(o.path)) ?? []), o]);
  }
  return [...byEnv.values()].map((objects) => {
    const namespaceOf = (o: ObjectInFile): string | undefined =>
      o.object.metadata.namespace ?? folders.get(o.path.slice(0, o.path.lastIndexOf('/')));
    const namespaces = new Map<string, NamespaceInfo>();
    const manifests = objects.filter((o) => o.object.kind === 'Namespace');
    for (const ns of manifests) {
      namespaces.set(ns.object.metadata.name, namespaceInfo(ns.object.metadata.name, (ns.object.metadata.labels ?? {}) as Labels));
    }
    const env = environmentOf(objects[0].path);
    const used = [
      ...objects.filter((o) => o.object.kind !== 'Namespace').map(namespaceOf),
      ...context.applications.filter((a) => environmentOf(a.path) === env)
        .map((a) => (a.object.spec as any)?.destination?.namespace),
    ];
    for (const name of used) {
      if (typeof name === 'string' && name !== '' && !namespaces.has(name)) namespaces.set(name, namespaceInfo(name));
    }
    const tenantLabels = manifests.map((ns) => namespaces.get(ns.object.metadata.name)!).filter((n) => n.tenant).map((n) => n.labels);
    const newTenant = namespaceInfo('tenant-newtenant', { ...sharedLabels(tenantLabels), [TENANT_LABEL]: 'newtenant' });
    return { objects, namespaces, newTenant, namespaceOf };
  });
}

function describe(o: ObjectInFile, namespace?: string): string {
  const ns = namespace ?? o.object.metadata.namespace;
  return `${o.object.kind} ${ns ? `${ns}/` : ''}${o.object.metadata.name}`;
}

// ---------------------------------------------------------------------------
// (c) ClusterSecretStores that tenant namespaces can use.
// ---------------------------------------------------------------------------

/**
 * Whether External Secrets lets an ExternalSecret in `ns` use the ClusterSecretStore: no conditions
 * admit every namespace; otherwise any condition admits by label selector, name list or regex
 * (unanchored, as `regexp.MatchString`; an invalid one admits nothing).
 */
function storeAdmits(store: ObjectInFile['object'], ns: NamespaceInfo): boolean {
  const conditions = list((store.spec as any)?.conditions);
  if (conditions.length === 0) return true;
  return conditions.some((c) => (c?.namespaceSelector && typeof c.namespaceSelector === 'object' && matchesLabelSelector(c.namespaceSelector, ns.labels))
    || list(c?.namespaces).includes(ns.name)
    || list(c?.namespaceRegexes).some((r) => {
      try {
        return typeof r === 'string' && new RegExp(r).test(ns.name);
      } catch {
        return false;
      }
    }));
}

/** Non-tenant namespaces whose ExternalSecrets use the store: what its conditions should list. */
function platformUsers(env: Environment, store: ObjectInFile): string[] {
  const users = env.objects
    .filter((o) => o.object.kind === 'ExternalSecret' && storeRefsOf(o.object).some((r) => r.kind === 'ClusterSecretStore' && r.name === store.object.metadata.name))
    .map((o) => env.namespaceOf(o))
    .filter((n): n is string => typeof n === 'string' && !env.namespaces.get(n)?.tenant);
  return [...new Set(users)].sort(compareStrings);
}

function clusterStoreFindings(env: Environment): Finding[] {
  const tenantNamespaces = [...env.namespaces.values()].filter((n) => n.tenant).sort((a, b) => compareStrings(a.name, b.name));
  return env.objects.filter((o) => o.object.kind === 'ClusterSecretStore').flatMap((store): Finding[] => {
    const admitted = tenantNamespaces.filter((n) => storeAdmits(store.object, n))
      .map((n) => `${n.name} (tenant ${n.tenant})`);
    if (storeAdmits(store.object, env.newTenant)) admitted.push('any new tenant-* namespace');
    if (admitted.length === 0) return [];
    const conditions = list((store.object.spec as any)?.conditions);
    const how = conditions.length === 0 ? 'has no spec.conditions, so it serves every namespace, including' : 'has spec.conditions that admit';
    const users = platformUsers(env, store);
    return [{
      file: store.path,
      message: `${describe(store)} ${how} ${admitted.join(', ')}: an ExternalSecret there reads with the store's identity, so any tenant can read another tenant's or the platform's paths; `
        + `fix: spec.conditions listing only platform namespaces, e.g. [{namespaces: [${users.length > 0 ? users.join(', ') : 'stoa-system'}]}]`,
    }];
  });
}

// ---------------------------------------------------------------------------
// (a), (b) ExternalSecrets and SecretStores of tenant namespaces.
// ---------------------------------------------------------------------------

/** Every store an ExternalSecret reads through: the default, and any per-entry `sourceRef.storeRef`. */
function storeRefsOf(es: ObjectInFile['object']): Array<{ where: string; kind: string; name: string }> {
  const spec = es.spec as any;
  const refs: Array<{ where: string; ref: any }> = [
    { where: 'spec.secretStoreRef', ref: spec?.secretStoreRef },
    ...list(spec?.data).map((d, i) => ({ where: `data[${i}].sourceRef.storeRef`, ref: d?.sourceRef?.storeRef })),
    ...list(spec?.dataFrom).map((d, i) => ({ where: `dataFrom[${i}].sourceRef.storeRef`, ref: d?.sourceRef?.storeRef })),
  ];
  return refs.filter((r) => typeof r.ref?.name === 'string')
    .map((r) => ({ where: r.where, kind: r.ref.kind ?? 'SecretStore', name: r.ref.name }));
}

/** The paths an ExternalSecret reads that are not the tenant's, each with the field it is in. */
function foreignPaths(es: ObjectInFile['object'], tenant: string): string[] {
  const spec = es.spec as any;
  const out: string[] = [];
  list(spec?.data).forEach((d, i) => {
    const key = d?.remoteRef?.key;
    if (typeof key === 'string' && !isTenantPath(key, tenant)) out.push(`data[${i}].remoteRef.key "${key}"`);
  });
  list(spec?.dataFrom).forEach((d, i) => {
    const key = d?.extract?.key;
    if (typeof key === 'string' && !isTenantPath(key, tenant)) out.push(`dataFrom[${i}].extract.key "${key}"`);
    if (d?.find && typeof d.find === 'object') {
      const path = d.find.path;
      // find.path is a folder: the tenant's own folder is fine, without a path the search covers the whole store.
      if (typeof path !== 'string') out.push(`dataFrom[${i}].find without a path (it searches the whole store${d.find.name?.regexp ? ` for "${d.find.name.regexp}"` : ''})`);
      else if (path !== `tenants/${tenant}` && !isTenantPath(path, tenant)) out.push(`dataFrom[${i}].find.path "${path}"`);
    }
  });
  return out;
}

/** The Vault role a SecretStore logs in with, or what it uses instead. */
function storeIdentity(store: ObjectInFile['object']): { role?: string; text: string } {
  const provider = (store.spec as any)?.provider ?? {};
  const role = provider.vault?.auth?.kubernetes?.role;
  if (typeof role === 'string') return { role, text: `Vault role "${role}"` };
  const kind = Object.keys(provider)[0];
  return { text: kind === 'vault' ? 'Vault without Kubernetes auth' : `provider ${kind ?? 'none'}, not Vault Kubernetes auth` };
}

function storeFix(tenant: string): string {
  return `fix: read through SecretStore tenant-secrets in tenant-${tenant} with vault auth.kubernetes.role tenant-${tenant}`;
}

function externalSecretFindings(env: Environment): Finding[] {
  return env.objects.filter((o) => o.object.kind === 'ExternalSecret').flatMap((es): Finding[] => {
    const namespace = env.namespaceOf(es);
    const tenant = namespace ? env.namespaces.get(namespace)?.tenant : undefined;
    if (!namespace || !tenant) return [];
    const who = `${describe(es, namespace)} of tenant ${tenant}`;
    const out: Finding[] = foreignPaths(es.object, tenant).map((path) => ({
      file: es.path,
      message: `${who} reads ${path}, outside ${tenantPathPrefix(tenant)}: fix: move the secret under ${tenantPathPrefix(tenant)}, or render the ExternalSecret in a platform namespace`,
    }));
    for (const ref of storeRefsOf(es.object)) {
      const problem = storeRefProblem(env, ref, namespace, tenant);
      if (problem) out.push({ file: es.path, message: `${who} reads through ${problem}; ${storeFix(tenant)}` });
    }
    return out;
  });
}

/** Why a store an ExternalSecret of `tenant` names does not confine it to the tenant's paths. */
function storeRefProblem(env: Environment, ref: { where: string; kind: string; name: string }, namespace: string, tenant: string): string | undefined {
  if (ref.kind === 'ClusterSecretStore') {
    return `ClusterSecretStore ${ref.name} (${ref.where}), a shared identity: any tenant could name another's path`;
  }
  const store = env.objects.find((o) => o.object.kind === 'SecretStore' && o.object.metadata.name === ref.name && env.namespaceOf(o) === namespace);
  if (!store) return `SecretStore ${ref.name} (${ref.where}), which is not in the output, so its identity cannot be checked`;
  const identity = storeIdentity(store.object);
  return identity.role === `tenant-${tenant}` ? undefined
    : `${describe(store, namespace)} (${ref.where}), which logs in with ${identity.text}, not tenant-${tenant}`;
}

function secretStoreFindings(env: Environment): Finding[] {
  return env.objects.filter((o) => o.object.kind === 'SecretStore').flatMap((store): Finding[] => {
    const namespace = env.namespaceOf(store);
    const tenant = namespace ? env.namespaces.get(namespace)?.tenant : undefined;
    if (!namespace || !tenant) return [];
    const identity = storeIdentity(store.object);
    if (identity.role === `tenant-${tenant}`) return [];
    return [{
      file: store.path,
      message: `${describe(store, namespace)} in tenant ${tenant}'s namespace logs in with ${identity.text}, not tenant-${tenant}: `
        + `ExternalSecrets there could read beyond ${tenantPathPrefix(tenant)}; fix: vault auth.kubernetes.role tenant-${tenant}`,
    }];
  });
}

// ---------------------------------------------------------------------------
// (d) RBAC: tenant owners who could write their own stores, or reach platform secrets.
// ---------------------------------------------------------------------------

/** ClusterRoles that External Secrets aggregates create rights on ExternalSecrets and SecretStores into (or that have every right). */
const AGGREGATED_WRITERS = new Set(['admin', 'cluster-admin', 'edit']);
const WRITE_VERBS = ['create', 'update', 'patch', '*'];
/** Resources whose write lets a namespace's users read any path: stores, ExternalSecrets, and RBAC to grant those. */
const GUARDED = [
  { group: 'external-secrets.io', resources: ['externalsecrets', 'secretstores', 'clustersecretstores'] },
  { group: 'rbac.authorization.k8s.io', resources: ['roles', 'rolebindings'] },
];
/** The labels of External Secrets' own ClusterRole that puts its write rights into edit and admin. */
const ESO_EDIT_LABELS: Labels = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };

/** The guarded writes a Role or ClusterRole grants, e.g. `create/patch on externalsecrets.external-secrets.io`. */
function guardedGrants(role: ObjectInFile['object']): string[] {
  const grants = list((role as any).rules).flatMap((rule) => {
    const verbs = list(rule?.verbs).filter((v) => WRITE_VERBS.includes(v));
    if (verbs.length === 0) return [];
    const groups = list(rule?.apiGroups);
    const resources = list(rule?.resources);
    return GUARDED.filter((g) => groups.includes(g.group) || groups.includes('*'))
      .flatMap((g) => g.resources.filter((r) => resources.includes(r) || resources.includes('*')).map((r) => `${verbs.join('/')} on ${r}.${g.group}`));
  });
  const aggregates = list((role as any).aggregationRule?.clusterRoleSelectors).some((s) => matchesLabelSelector(s, ESO_EDIT_LABELS));
  if (aggregates) grants.push('the rights External Secrets aggregates into edit and admin (aggregationRule)');
  return [...new Set(grants)];
}

function subjectText(s: any): string {
  return `${s?.kind} ${s?.kind === 'ServiceAccount' && s?.namespace ? `${s.namespace}/` : ''}${s?.name}`;
}

/** Identity of a subject: a ServiceAccount's namespace defaults to the binding's. */
function subjectKey(s: any, bindingNamespace: string): string {
  return s?.kind === 'ServiceAccount' ? `ServiceAccount:${s?.namespace ?? bindingNamespace}/${s?.name}` : `${s?.kind}:${s?.name}`;
}

/** The role a binding refers to, when the output renders it (a Role in the binding's namespace, or a ClusterRole). */
function boundRole(env: Environment, binding: ObjectInFile, namespace: string): ObjectInFile | undefined {
  const ref = (binding.object as any).roleRef;
  return env.objects.find((o) => o.object.kind === ref?.kind && o.object.metadata.name === ref?.name
    && (ref?.kind === 'ClusterRole' || env.namespaceOf(o) === namespace));
}

function tenantBindingFindings(env: Environment, binding: ObjectInFile, namespace: string, tenant: string): Finding[] {
  const ref = (binding.object as any).roleRef ?? {};
  const subjects = list((binding.object as any).subjects).map(subjectText).join(', ');
  const fix = 'fix: bind Role tenant-owner (read-only; no writes on external-secrets.io or RBAC)';
  if (ref.kind === 'ClusterRole' && AGGREGATED_WRITERS.has(ref.name)) {
    return [{
      file: binding.path,
      message: `${describe(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ClusterRole ${ref.name}, which includes creating ExternalSecrets and SecretStores `
        + `(External Secrets aggregates them into edit and admin): they could read any path through their own store; ${fix}`,
    }];
  }
  const role = boundRole(env, binding, namespace);
  const grants = role ? guardedGrants(role.object) : [];
  return grants.length === 0 ? [] : [{
    file: binding.path,
    message: `${describe(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ${ref.kind} ${ref.name} (${role!.path}), which grants ${grants.join(', ')}: `
      + `they could create their own store or ExternalSecret; ${fix}`,
  }];
}

/** The secrets a namespace holds: Secret manifests and the Secrets ExternalSecrets write there. */
function secretsIn(env: Environment, namespace: string): string[] {
  return env.objects.filter((o) => env.namespaceOf(o) === namespace).flatMap((o) => {
    if (o.object.kind === 'Secret') return [`Secret ${o.object.metadata.name}`];
    if (o.object.kind === 'ExternalSecret') return [`Secret ${(o.object.spec as any)?.target?.name ?? o.object.metadata.name} (from ExternalSecret ${o.object.metadata.name})`];
    return [];
  });
}

function bindingFindings(env: Environment): Finding[] {
  const bindings = env.objects.filter((o) => o.object.kind === 'RoleBinding')
    .map((b) => ({ binding: b, namespace: env.namespaceOf(b) }))
    .filter((b): b is { binding: ObjectInFile; namespace: string } => typeof b.namespace === 'string');
  // Owners of each tenant: the subjects its namespaces bind (service accounts only when they are the tenant's own).
  const owners = new Map<string, Set<string>>();
  for (const { binding, namespace } of bindings) {
    const tenant = env.namespaces.get(namespace)?.tenant;
    if (!tenant) continue;
    for (const s of list((binding.object as any).subjects)) {
      if (s?.kind === 'ServiceAccount' && !env.namespaces.get(s?.namespace ?? namespace)?.tenant) continue;
      const key = subjectKey(s, namespace);
      owners.set(key, new Set([...(owners.get(key) ?? []), tenant]));
    }
  }
  return bindings.flatMap(({ binding, namespace }): Finding[] => {
    const tenant = env.namespaces.get(namespace)?.tenant;
    if (tenant) return tenantBindingFindings(env, binding, namespace, tenant);
    const secrets = secretsIn(env, namespace);
    if (secrets.length === 0) return [];
    return list((binding.object as any).subjects).flatMap((s): Finding[] => {
      const tenants = [...(owners.get(subjectKey(s, namespace)) ?? [])].sort(compareStrings);
      if (tenants.length === 0) return [];
      const ref = (binding.object as any).roleRef ?? {};
      return [{
        file: binding.path,
        message: `${describe(binding, namespace)} gives ${subjectText(s)}, an owner of tenant ${tenants.join(', ')}, ${ref.kind} ${ref.name} in platform namespace ${namespace}, `
          + `which holds ${secrets.join(', ')}: fix: remove the tenant's owners from the binding`,
      }];
    });
  });
}

/**
 * No ExternalSecret or store reachable from a tenant namespace can read another tenant's or the
 * platform's secret paths (tenant `t` reads only `tenants/t/...`):
 * (a) tenant ExternalSecrets read only the tenant's keys; (b) through the tenant's own SecretStore
 * (Vault role `tenant-t`), never a ClusterSecretStore; (c) ClusterSecretStores' conditions exclude
 * every tenant namespace, including new `tenant-*` ones; (d) tenant owners cannot create stores,
 * ExternalSecrets or RBAC in their namespace, and are bound in no platform namespace that holds secrets.
 */
export const secretIsolation: PolicyRule = {
  id: 'secret-isolation',
  reason: 'a tenant reads only its own secret paths (tenants/<t>/): no shared store, foreign key or self-made store reachable from its namespace',
  check: (context) => environments(context).flatMap((env) => [
    ...externalSecretFindings(env),
    ...secretStoreFindings(env),
    ...clusterStoreFindings(env),
    ...bindingFindings(env),
  ]),
};
