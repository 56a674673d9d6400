import { PolicyRule } from '../../policy';
import { environments } from './environment';
import { clusterStoreFindings, externalSecretFindings, secretStoreFindings } from './external-secrets';
import { bindingFindings, everyoneBindingFindings } from './rbac';

/*
 * The secret-isolation rule. The parts: environment (namespaces and their tenants), external-secrets
 * (ExternalSecrets and stores: (a), (b), (c)) and rbac (what tenant owners may write, read or bind: (d);
 * bindings to everyone: (e)).
 */

export { isTenantPath, tenantPathPrefix } from './external-secrets';

/**
 * No ExternalSecret or store reachable from a tenant namespace can read another tenant's or the
 * platform's secret paths (tenant `t` reads only `tenants/t/...`):
 * (a) tenant ExternalSecrets read only the tenant's keys; (b) through the tenant's own SecretStore
 * (Vault role `tenant-t`), never a ClusterSecretStore; (c) ClusterSecretStores' conditions exclude
 * every tenant namespace, including new `tenant-*` ones; (d) tenant owners cannot create stores,
 * ExternalSecrets or RBAC in their namespace nor read its Secrets, and are bound in no platform namespace
 * that holds secrets; (e) no RoleBinding or ClusterRoleBinding names a `system:` user or group
 * (`system:authenticated`, `system:serviceaccounts`, `system:anonymous`, ...), which would give its role
 * to every tenant's owners or pods.
 */
export const secretIsolation: PolicyRule = {
  id: 'secret-isolation',
  reason: 'a tenant reads only its own secret paths (tenants/<t>/) and never Secret values: no shared store, foreign key, self-made store, Secret read right or binding to everyone (system: users and groups) reachable from its namespace',
  check: (context) => environments(context).flatMap((env) => [
    ...externalSecretFindings(env),
    ...secretStoreFindings(env),
    ...clusterStoreFindings(env),
    ...bindingFindings(env),
    ...everyoneBindingFindings(env),
  ]),
};
