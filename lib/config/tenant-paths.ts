// Where a tenant's secrets live in the store, without zod: the secret-isolation rule asks it too.

/** The prefix every secret path of tenant `tenant` starts with: a tenant reads only its own secrets. */
export function tenantPathPrefix(tenant: string): string {
  return `tenants/${tenant}/`;
}

/**
 * Whether `key` is a path under the tenant's prefix that cannot climb out of it: no `.`, `..` or
 * empty segment, and no `..` anywhere. Tenant files, the Tenant construct and the secret-isolation
 * rule all ask this one question.
 */
export function isTenantPath(key: string, tenant: string): boolean {
  const prefix = tenantPathPrefix(tenant);
  return key.startsWith(prefix) && key.length > prefix.length && !key.includes('..')
    && key.split('/').every((s) => s !== '' && s !== '.');
}
