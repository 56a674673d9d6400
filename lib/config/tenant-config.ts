import { z } from 'zod';
import { dnsLabel } from './common';
import { COMPONENT_CATALOG } from '../platform/catalog';
import { compareStrings } from '../sort';
import { TIER_NAMES } from './tiers';

/**
 * Tenant names that would take a platform host (`<name>.<domain>`): the host
 * prefixes of the platform components, and names kept for platform tools.
 */
export const RESERVED_TENANT_NAMES: readonly string[] = [
  ...Object.values(COMPONENT_CATALOG).map((c) => c.hostPrefix),
  'argocd', 'grafana', 'prometheus', 'www',
].sort(compareStrings);

/**
 * A user or group name rendered into the tenant's RoleBinding. Kubernetes' own `system:`
 * names (system:authenticated, system:anonymous, service accounts, nodes, ...) mean everyone
 * or a machine, never a tenant's owners; control characters and surrounding spaces hide
 * what a reviewer reads.
 */
const subject = z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' })
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), { error: 'must not contain control characters or line breaks' })
  .refine((s) => s.trim() === s, { error: 'must not start or end with spaces' })
  .refine((s) => !s.toLowerCase().startsWith('system:'), { error: 'must not be a Kubernetes "system:" user or group (e.g. system:authenticated means every user)' });

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

/** Schema of `tenants/<name>.yaml`. */
export const tenantFileSchema = z.strictObject({
  /**
   * Tenant name; also the file name. The namespace is `tenant-<name>`, so the
   * name is a DNS label short enough to leave room for the prefix.
   */
  name: dnsLabel(40),
  /** Human name shown in annotations. */
  displayName: z.string().min(1, { error: 'must not be empty' }).optional(),
  /** Size class: sets quota, limits, gateway replicas and autoscaling. */
  tier: z.enum(TIER_NAMES),
  /** Who may access the tenant's namespace. */
  owners: z.strictObject({
    users: z.array(subject).default([]),
    groups: z.array(subject).default([]),
  }).refine((o) => o.users.length + o.groups.length > 0, { error: 'must list at least one user or group' }),
  /** Gateway delivery and autoscaling. */
  gateway: z.strictObject({
    /** Canary where the environment offers it; default: the environment's choice. */
    canary: z.boolean().optional(),
    /** Autoscaler of silver and gold: hpa (default) or keda. */
    autoscaler: z.enum(['hpa', 'keda']).optional(),
  }).optional(),
  /** Secrets created from the environment's secret store, by reference. */
  secrets: z.array(z.strictObject({
    name: dnsLabel(253),
    key: z.string().min(1, { error: 'must not be empty' }),
    property: z.string().min(1, { error: 'must not be empty' }).optional(),
  })).refine((list) => new Set(list.map((s) => s.name)).size === list.length, { error: 'must not name a secret twice' }).optional(),
  /** AWX job templates launched around each sync. */
  hooks: z.strictObject({
    preSync: z.string().regex(/^https:\/\/\S+$/, { error: 'must be the https:// launch URL of an AWX job template' }).optional(),
    postSync: z.string().regex(/^https:\/\/\S+$/, { error: 'must be the https:// launch URL of an AWX job template' }).optional(),
  }).optional(),
  /** Environments the tenant is deployed to. */
  environments: z.array(dnsLabel(20)).min(1, { error: 'must list at least one environment' })
    .refine((envs) => new Set(envs).size === envs.length, { error: 'must not list an environment twice' }),
}).superRefine((t, ctx) => {
  for (const [i, secret] of (t.secrets ?? []).entries()) {
    if (!isTenantPath(secret.key, t.name)) {
      ctx.addIssue({ code: 'custom', path: ['secrets', i, 'key'], message: `must be a path under ${tenantPathPrefix(t.name)} (a tenant reads only its own secrets)` });
    }
  }
  if (RESERVED_TENANT_NAMES.includes(t.name)) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: `"${t.name}" is reserved: <name>.<domain> is a platform host (reserved: ${RESERVED_TENANT_NAMES.join(', ')})` });
  }
  if (t.tier === 'bronze' && t.gateway?.autoscaler) {
    ctx.addIssue({ code: 'custom', path: ['gateway', 'autoscaler'], message: 'bronze runs one fixed replica; an autoscaler needs tier silver or gold' });
  }
});

/** A validated tenant file. */
export type TenantConfig = z.infer<typeof tenantFileSchema>;
