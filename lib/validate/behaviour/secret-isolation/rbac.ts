import { compareStrings } from '../../../sort';
import { ObjectInFile } from '../../policy';
import { Labels, list } from '../../model/fields';
import { describeObject, Finding } from '../../model/findings';
import { matchesLabelSelector } from '../../model/selectors';
import { Environment } from './environment';

/*
 * (d) RBAC: tenant owners who could write their own stores, read Secret values, or reach platform
 * secrets; and (e) bindings whose subjects are everyone (every tenant's owners and pods included).
 */

/** ClusterRoles that External Secrets aggregates create rights on ExternalSecrets and SecretStores into (or that have every right). */
const AGGREGATED_WRITERS = new Set(['admin', 'cluster-admin', 'edit']);
const WRITE_VERBS = ['create', 'update', 'patch', '*'];
/** list and watch return the values of Secrets as get does. */
const READ_VERBS = ['get', 'list', 'watch', '*'];
/**
 * What tenant owners must not be granted: writes of stores, ExternalSecrets and RBAC (to grant those)
 * let them read any path; reads of Secrets hand them the values (owners never read Secret values).
 */
const GUARDED: ReadonlyArray<{ group: string; resources: readonly string[]; verbs: readonly string[]; effect: 'write' | 'read' }> = [
  { group: 'external-secrets.io', resources: ['externalsecrets', 'secretstores', 'clustersecretstores'], verbs: WRITE_VERBS, effect: 'write' },
  { group: 'rbac.authorization.k8s.io', resources: ['roles', 'rolebindings'], verbs: WRITE_VERBS, effect: 'write' },
  { group: '', resources: ['secrets'], verbs: READ_VERBS, effect: 'read' },
];
/** The labels of External Secrets' own ClusterRole that puts its write rights into edit and admin. */
const ESO_EDIT_LABELS: Labels = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };

/** A guarded right a Role or ClusterRole grants, e.g. `create/patch on externalsecrets.external-secrets.io`. */
interface Grant {
  readonly text: string;
  readonly effect: 'write' | 'read';
}

/** The guarded rights a Role or ClusterRole grants (see {@link GUARDED}). */
function guardedGrants(role: ObjectInFile['object']): Grant[] {
  const grants = list((role as any).rules).flatMap((rule) => {
    const groups = list(rule?.apiGroups);
    const resources = list(rule?.resources);
    return GUARDED.filter((g) => groups.includes(g.group) || groups.includes('*')).flatMap((g) => {
      const verbs = list(rule?.verbs).filter((v) => g.verbs.includes(v));
      if (verbs.length === 0) return [];
      return g.resources.filter((r) => resources.includes(r) || resources.includes('*'))
        .map((r): Grant => ({ text: `${verbs.join('/')} on ${r}${g.group ? `.${g.group}` : ''}`, effect: g.effect }));
    });
  });
  const aggregates = list((role as any).aggregationRule?.clusterRoleSelectors).some((s) => matchesLabelSelector(s, ESO_EDIT_LABELS));
  if (aggregates) grants.push({ text: 'the rights External Secrets aggregates into edit and admin (aggregationRule)', effect: 'write' });
  const seen = new Set<string>();
  return grants.filter((g) => !seen.has(g.text) && seen.add(g.text));
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
  if (typeof ref?.kind !== 'string' || typeof ref?.name !== 'string') return undefined;
  return env.find(ref.kind, ref.name, ref.kind === 'ClusterRole' ? undefined : namespace);
}

function tenantBindingFindings(env: Environment, binding: ObjectInFile, namespace: string, tenant: string): Finding[] {
  const ref = (binding.object as any).roleRef ?? {};
  const subjects = list((binding.object as any).subjects).map(subjectText).join(', ');
  const fix = 'fix: bind Role tenant-owner (read-only, Secrets excepted; no writes on external-secrets.io or RBAC)';
  if (ref.kind === 'ClusterRole' && AGGREGATED_WRITERS.has(ref.name)) {
    return [{
      file: binding.path,
      message: `${describeObject(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ClusterRole ${ref.name}, which includes creating ExternalSecrets and SecretStores `
        + `(External Secrets aggregates them into edit and admin): they could read any path through their own store; ${fix}`,
    }];
  }
  const role = boundRole(env, binding, namespace);
  const grants = role ? guardedGrants(role.object) : [];
  if (grants.length === 0) return [];
  const could = [
    ...(grants.some((g) => g.effect === 'write') ? ['create their own store or ExternalSecret'] : []),
    ...(grants.some((g) => g.effect === 'read') ? ['read the values of every Secret in the namespace'] : []),
  ];
  return [{
    file: binding.path,
    message: `${describeObject(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ${ref.kind} ${ref.name} (${role!.path}), which grants ${grants.map((g) => g.text).join(', ')}: `
      + `they could ${could.join(' and ')}; ${fix}`,
  }];
}

/** The secrets a namespace holds: Secret manifests and the Secrets ExternalSecrets write there. */
function secretsIn(env: Environment, namespace: string): string[] {
  return env.objectsIn(namespace).flatMap((o) => {
    if (o.object.kind === 'Secret') return [`Secret ${o.object.metadata.name}`];
    if (o.object.kind === 'ExternalSecret') return [`Secret ${(o.object.spec as any)?.target?.name ?? o.object.metadata.name} (from ExternalSecret ${o.object.metadata.name})`];
    return [];
  });
}

/** (d): RoleBindings that let tenant owners write stores, ExternalSecrets or RBAC, or bind them in a platform namespace with secrets. */
export function bindingFindings(env: Environment): Finding[] {
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
        message: `${describeObject(binding, namespace)} gives ${subjectText(s)}, an owner of tenant ${tenants.join(', ')}, ${ref.kind} ${ref.name} in platform namespace ${namespace}, `
          + `which holds ${secrets.join(', ')}: fix: remove the tenant's owners from the binding`,
      }];
    });
  });
}

/** What a `system:` user or group stands for, when a binding names it. */
function everyoneText(name: string): string {
  if (name === 'system:authenticated') return 'every authenticated user, every tenant\'s owners included';
  if (name === 'system:unauthenticated' || name === 'system:anonymous') return 'every request without credentials';
  if (name === 'system:serviceaccounts') return 'every ServiceAccount of the cluster, every tenant\'s pods included';
  if (name.startsWith('system:serviceaccounts:')) return `every ServiceAccount of namespace ${name.slice('system:serviceaccounts:'.length)}`;
  return 'an identity of the cluster itself (system: names belong to Kubernetes)';
}

/**
 * (e): RoleBindings and ClusterRoleBindings that name a `system:` user or group (everyone, every
 * ServiceAccount, anonymous requests, the cluster's own identities): whatever the role grants then
 * reaches every tenant's owners or pods. ServiceAccount subjects are fine.
 */
export function everyoneBindingFindings(env: Environment): Finding[] {
  return env.objects.filter((o) => o.object.kind === 'RoleBinding' || o.object.kind === 'ClusterRoleBinding').flatMap((binding): Finding[] => {
    const ref = (binding.object as any).roleRef ?? {};
    const where = binding.object.kind === 'ClusterRoleBinding' ? describeObject(binding) : describeObject(binding, env.namespaceOf(binding));
    return list((binding.object as any).subjects)
      .filter((s) => (s?.kind === 'User' || s?.kind === 'Group') && typeof s?.name === 'string' && s.name.startsWith('system:'))
      .map((s) => ({
        file: binding.path,
        message: `${where} gives ${s.kind} ${s.name} (${everyoneText(s.name)}) ${ref.kind} ${ref.name}: `
          + 'fix: bind named users, groups or ServiceAccounts, never a system: user or group',
      }));
  });
}
