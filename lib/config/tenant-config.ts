import { z } from 'zod';
import { dnsLabel } from './common';
import { TIER_NAMES } from './tiers';

const subject = z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' });

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
  /** Environments the tenant is deployed to. */
  environments: z.array(dnsLabel(20)).min(1, { error: 'must list at least one environment' })
    .refine((envs) => new Set(envs).size === envs.length, { error: 'must not list an environment twice' }),
});

/** A validated tenant file. */
export type TenantConfig = z.infer<typeof tenantFileSchema>;
