import { compareStrings } from '../../../sort';
import { ObjectInFile } from '../../policy';
import { Labels, list } from '../../model/fields';
import { describeObject, Finding } from '../../model/findings';
import { matchesLabelSelector } from '../../model/selectors';
import { Environment } from './environment';

/*
 * (d) RBAC: tenant owners who could write their own stores, or reach platform secrets.
 */

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
  if (typeof ref?.kind !== 'string' || typeof ref?.name !== 'string') return undefined;
  return env.find(ref.kind, ref.name, ref.kind === 'ClusterRole' ? undefined : namespace);
}

function tenantBindingFindings(env: Environment, binding: ObjectInFile, namespace: string, tenant: string): Finding[] {
  const ref = (binding.object as any).roleRef ?? {};
  const subjects = list((binding.object as any).subjects).map(subjectText).join(', ');
  const fix = 'fix: bind Role tenant-owner (read-only; no writes on external-secrets.io or RBAC)';
  if (ref.kind === 'ClusterRole' && AGGREGATED_WRITERS.has(ref.name)) {
    return [{
      file: binding.path,
      message: `${describeObject(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ClusterRole ${ref.name}, which includes creating ExternalSecrets and SecretStores `
        + `(External Secrets aggregates them into edit and admin): they could read any path through their own store; ${fix}`,
    }];
  }
  const role = boundRole(env, binding, namespace);
  const grants = role ? guardedGrants(role.object) : [];
  return grants.length === 0 ? [] : [{
    file: binding.path,
    message: `${describeObject(binding, namespace)} gives tenant ${tenant}'s subjects (${subjects}) ${ref.kind} ${ref.name} (${role!.path}), which grants ${grants.join(', ')}: `
      + `they could create their own store or ExternalSecret; ${fix}`,
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
