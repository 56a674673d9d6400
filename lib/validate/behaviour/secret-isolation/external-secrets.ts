import { isTenantPath, tenantPathPrefix } from '../../../config/tenant-paths';
import { compareStrings } from '../../../sort';
import { ObjectInFile } from '../../policy';
import { list } from '../../model/fields';
import { describeObject, Finding } from '../../model/findings';
import { matchesLabelSelector } from '../../model/selectors';
import { Environment, NamespaceInfo, tenantPlacementOf } from './environment';

/*
 * ExternalSecrets and the stores they read through: (a) tenant ExternalSecrets read only the tenant's
 * paths, (b) through the tenant's own SecretStore, and (c) no ClusterSecretStore admits a tenant namespace.
 */

export { isTenantPath, tenantPathPrefix } from '../../../config/tenant-paths';

// (c) ClusterSecretStores that tenant namespaces can use.

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

/** (c): ClusterSecretStores whose conditions admit a tenant namespace (or a new one). */
export function clusterStoreFindings(env: Environment): Finding[] {
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
      message: `${describeObject(store)} ${how} ${admitted.join(', ')}: an ExternalSecret there reads with the store's identity, so any tenant can read another tenant's or the platform's paths; `
        + `fix: spec.conditions listing only platform namespaces, e.g. [{namespaces: [${users.length > 0 ? users.join(', ') : 'stoa-system'}]}]`,
    }];
  });
}

// (a), (b) ExternalSecrets and SecretStores of tenant namespaces.

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

/** (a), (b): ExternalSecrets of tenant namespaces that read foreign paths or through a store without the tenant's identity. */
export function externalSecretFindings(env: Environment): Finding[] {
  return env.objects.filter((o) => o.object.kind === 'ExternalSecret').flatMap((es): Finding[] => {
    const placement = tenantPlacementOf(env, es);
    if (!placement) return [];
    const { namespace, tenant } = placement;
    const who = `${describeObject(es, namespace)} of tenant ${tenant}`;
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
  const store = env.find('SecretStore', ref.name, namespace);
  if (!store) return `SecretStore ${ref.name} (${ref.where}), which is not in the output, so its identity cannot be checked`;
  const identity = storeIdentity(store.object);
  return identity.role === `tenant-${tenant}` ? undefined
    : `${describeObject(store, namespace)} (${ref.where}), which logs in with ${identity.text}, not tenant-${tenant}`;
}

/** (b): SecretStores of tenant namespaces that do not log in with the tenant's Vault role. */
export function secretStoreFindings(env: Environment): Finding[] {
  return env.objects.filter((o) => o.object.kind === 'SecretStore').flatMap((store): Finding[] => {
    const placement = tenantPlacementOf(env, store);
    if (!placement) return [];
    const { namespace, tenant } = placement;
    const identity = storeIdentity(store.object);
    if (identity.role === `tenant-${tenant}`) return [];
    return [{
      file: store.path,
      message: `${describeObject(store, namespace)} in tenant ${tenant}'s namespace logs in with ${identity.text}, not tenant-${tenant}: `
        + `ExternalSecrets there could read beyond ${tenantPathPrefix(tenant)}; fix: vault auth.kubernetes.role tenant-${tenant}`,
    }];
  });
}
