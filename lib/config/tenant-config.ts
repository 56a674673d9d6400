import { z } from 'zod';
import { isTenantPath, tenantPathPrefix } from './tenant-paths';
import { dnsLabel } from './common';
import { NO_CONTROL_CHARACTERS, plainText } from './input-file';
import { STOA_COMPONENTS } from './component-catalog';
import { compareStrings } from '../sort';
import { TIER_NAMES, TIERS } from './tiers';

/**
 * Tenant names that would take a platform host (`<name>.<domain>`): the host
 * prefixes of the platform components, and names kept for platform tools.
 */
export const RESERVED_TENANT_NAMES: readonly string[] = [
  ...Object.values(STOA_COMPONENTS).map((c) => c.hostPrefix),
  'argocd', 'grafana', 'prometheus', 'www',
].sort(compareStrings);

/**
 * A user or group name rendered into the tenant's RoleBinding and Argo CD's RBAC policy. Kubernetes' own `system:`
 * names (system:authenticated, system:anonymous, service accounts, nodes, ...) mean everyone
 * or a machine, never a tenant's owners; control characters and surrounding spaces hide
 * what a reviewer reads. Patterns rather than refinements, so the file's JSON Schema says the
 * same (json-schemas.ts): `\s` is what trim() removes, and only ASCII letters lowercase to "system:".
 */
const subject = z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' })
  .regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters or line breaks' })
  .regex(/^(?!\s)(?![\s\S]*\s$)/, { error: 'must not start or end with spaces' })
  .regex(/^(?![sS][yY][sS][tT][eE][mM]:)/, { error: 'must not be a Kubernetes "system:" user or group (e.g. system:authenticated means every user)' })
  // Also written unescaped into Argo CD's RBAC policy (policy.<env>.csv, `g, <owner>, role:...`): see rbacSubjectProblem.
  .regex(/^[^,"*]*$/, { error: 'must not contain ",", \'"\' or "*": it is written into Argo CD\'s RBAC policy, where they add fields or match everyone' })
  .regex(/^(?![rR][oO][lL][eE]:|[pP][rR][oO][jJ]:)/, { error: 'must not start with "role:" or "proj:": in Argo CD\'s RBAC policy that is a role, and its members would get the tenant\'s' });

/**
 * Longest `displayName`. It is rendered into the Namespace's `stoa.io/display-name`
 * annotation and into the AppProject's description, which Argo CD caps at 255
 * characters; the rest of that description takes up to 71 (with an environment name
 * of 20).
 */
export const MAX_DISPLAY_NAME_LENGTH = 128;

/**
 * An AWX job template launch URL. It is passed to the hook Job as an environment
 * variable; a URL longer than browsers and proxies accept is a mistake.
 */
const awxUrl = z.string()
  .max(2048, { error: 'must be at most 2048 characters' })
  // Exactly a launch URL: the hook POSTs the platform's AWX token there, so no other API endpoint (tokens, users, relaunch).
  .regex(/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/api\/v2\/(workflow_)?job_templates\/\d{1,10}\/launch\/?$/, {
    error: 'must be the https:// launch URL of an AWX job template: https://<awx host>/api/v2/job_templates/<id>/launch/ (or workflow_job_templates)',
  })
  .regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters' });

export { isTenantPath, tenantPathPrefix } from './tenant-paths';

/** The tiers in a few words, from the tier table: `bronze (1 fixed gateway replica), silver (2-5, autoscaled), ...`. */
const TIERS_IN_WORDS = TIER_NAMES.map((n) => {
  const r = TIERS[n].gatewayReplicas;
  return 'fixed' in r ? `${n} (${r.fixed} fixed gateway replica${r.fixed === 1 ? '' : 's'})` : `${n} (${r.min}-${r.max}, autoscaled)`;
}).join(', ');

/** Tiers that run a fixed number of gateway replicas: no autoscaler. */
const FIXED_TIERS = TIER_NAMES.filter((n) => 'fixed' in TIERS[n].gatewayReplicas);

/** A list of environment names, each once. */
const environmentList = () => z.array(dnsLabel(20))
  .refine((envs) => new Set(envs).size === envs.length, { error: 'must not list an environment twice' })
  .meta({ uniqueItems: true });

/**
 * The rules between the fields of a tenant file that JSON Schema can state exactly (the JSON Schema
 * keywords of those {@link tenantFileSchema}'s superRefine checks), for editors: never stricter than it.
 */
const TENANT_RULES_FOR_EDITORS = {
  allOf: [
    // environments is empty only while the tenant is leaving some.
    { anyOf: [{ properties: { environments: { minItems: 1 } } }, { required: ['leaving'], properties: { leaving: { minItems: 1 } } }] },
    // leaving runs hooks.postDelete.
    { if: { required: ['leaving'], properties: { leaving: { minItems: 1 } } }, then: { required: ['hooks'], properties: { hooks: { required: ['postDelete'] } } } },
    // A tier with fixed replicas has no autoscaler.
    { if: { required: ['tier'], properties: { tier: { enum: FIXED_TIERS } } }, then: { properties: { gateway: { not: { required: ['autoscaler'] } } } } },
  ],
};

/** Schema of `tenants/<name>.yaml`. */
export const tenantFileSchema = z.strictObject({
  /**
   * Tenant name; also the file name. The namespace is `tenant-<name>`, so the
   * name is a DNS label short enough to leave room for the prefix.
   */
  name: dnsLabel(40).meta({ not: { enum: RESERVED_TENANT_NAMES } })
    .describe(`Tenant name, also the file name: a DNS label of at most 40 characters (namespace tenant-<name>); not ${RESERVED_TENANT_NAMES.join(', ')}.`),
  /** Human name shown in annotations and in the Argo CD project's description. */
  displayName: plainText(MAX_DISPLAY_NAME_LENGTH).optional()
    .describe(`Human name shown in annotations and in the Argo CD project's description, one line of at most ${MAX_DISPLAY_NAME_LENGTH} characters. Default: the name.`),
  /** Size class: sets quota, limits, gateway replicas and autoscaling. */
  tier: z.enum(TIER_NAMES).describe(`Size class, which sets quota, limits and gateway replicas: ${TIERS_IN_WORDS}.`),
  /** Who may access the tenant's namespace. */
  owners: z.strictObject({
    users: z.array(subject).default([]).describe('Users who may access the tenant (never "system:", "role:" or "proj:" names, "*", "," or quotes). Default: none.'),
    groups: z.array(subject).default([]).describe('Groups who may access the tenant (never "system:", "role:" or "proj:" names, "*", "," or quotes). Default: none.'),
  }).refine((o) => o.users.length + o.groups.length > 0, { error: 'must list at least one user or group' })
    .meta({ anyOf: [{ required: ['users'], properties: { users: { minItems: 1 } } }, { required: ['groups'], properties: { groups: { minItems: 1 } } }] })
    .describe('Who may access the tenant\'s namespace and Argo CD project: at least one user or group.'),
  /** Gateway delivery and autoscaling. */
  gateway: z.strictObject({
    /** Canary where the environment offers it; default: the environment's choice. */
    canary: z.boolean().optional().describe('Deliver the gateway as a canary where the environment offers canary analysis. Default: the environment\'s canary.enabled.'),
    /** Autoscaler of silver and gold: hpa (default) or keda. */
    autoscaler: z.enum(['hpa', 'keda']).optional()
      .describe(`Autoscaler of an autoscaled tier (not ${FIXED_TIERS.join(', ')}): hpa (CPU) or keda (CPU and request rate). Default: hpa.`),
  }).optional().describe('Gateway delivery and autoscaling. Default: the environment\'s delivery, and hpa.'),
  /** Secrets created from the environment's secret store, by reference. */
  secrets: z.array(z.strictObject({
    /** Also names the gateway's volume `secret-<name>`, a DNS label of at most 63 characters. */
    name: dnsLabel(56).describe('Name of the Secret created in the tenant namespace (and of the gateway volume secret-<name>): a DNS label of at most 56 characters, each once.'),
    /** Path in the secret store (the ExternalSecret's remoteRef.key). */
    key: plainText(253).describe('Path in the secret store, under tenants/<tenant name>/ (a tenant reads only its own secrets).'),
    /** Property of the stored value; it also names the key in the created Secret, so it is a Secret key. */
    property: z.string().min(1, { error: 'must not be empty' }).max(253, { error: 'must be at most 253 characters' })
      .regex(/^[-._a-zA-Z0-9]+$/, { error: 'must be letters, digits, "-", "_" or "." (it also names the key in the created Secret)' }).optional()
      .describe('Property of the stored value, also the key in the created Secret: letters, digits, "-", "_", ".". Default: the whole value, as key value.'),
  })).refine((list) => new Set(list.map((s) => s.name)).size === list.length, { error: 'must not name a secret twice' }).optional()
    .describe('Secrets created from the environment\'s secret store, by reference (never values). Default: none.'),
  /** AWX job templates launched around each sync. */
  hooks: z.strictObject({
    preSync: awxUrl.optional().describe('AWX job template launch URL run before each sync: https://<awx host>/api/v2/job_templates/<id>/launch/. Default: none.'),
    postSync: awxUrl.optional().describe('AWX job template launch URL run after each sync: https://<awx host>/api/v2/job_templates/<id>/launch/. Default: none.'),
    /** Deprovisioning: run once when the tenant leaves an environment, after what it had there is pruned. */
    postDelete: awxUrl.optional().describe('AWX job template launch URL run once when the tenant leaves an environment, after what it had there is pruned. Default: none.'),
  }).optional().describe('AWX job templates launched around each sync, on the environment\'s AWX (awxToken). Default: none.'),
  /** Environments the tenant is deployed to. */
  environments: environmentList()
    .describe('Environments the tenant is deployed to, each once; one promoted from another needs that one too (prod needs staging).'),
  /**
   * Environments the tenant is leaving (written by `tenant remove` for a tenant with hooks.postDelete):
   * its Application syncs only the deprovision hook, which prunes what the tenant had and then runs
   * the hook. `tenant remove` again drops them.
   */
  leaving: environmentList().optional()
    .describe('Environments the tenant is leaving, written by tenant remove (needs hooks.postDelete; not also in environments). Default: none.'),
}).superRefine((t, ctx) => {
  if (t.environments.length === 0 && !t.leaving?.length) {
    ctx.addIssue({ code: 'custom', path: ['environments'], message: 'must list at least one environment' });
  }
  for (const [i, env] of (t.leaving ?? []).entries()) {
    if (t.environments.includes(env)) {
      ctx.addIssue({ code: 'custom', path: ['leaving', i], message: `"${env}" is also in environments: a tenant is in an environment or leaving it, not both` });
    }
  }
  if (t.leaving?.length && !t.hooks?.postDelete) {
    ctx.addIssue({ code: 'custom', path: ['leaving'], message: 'is for a tenant with hooks.postDelete (it runs that deprovision hook): set hooks.postDelete, or remove the tenant from these environments' });
  }
  for (const [i, secret] of (t.secrets ?? []).entries()) {
    if (!isTenantPath(secret.key, t.name)) {
      ctx.addIssue({ code: 'custom', path: ['secrets', i, 'key'], message: `must be a path under ${tenantPathPrefix(t.name)} (a tenant reads only its own secrets)` });
    }
  }
  if (RESERVED_TENANT_NAMES.includes(t.name)) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: `"${t.name}" is reserved: <name>.<domain> is a platform host (reserved: ${RESERVED_TENANT_NAMES.join(', ')})` });
  }
  const replicas = TIERS[t.tier].gatewayReplicas;
  if ('fixed' in replicas && t.gateway?.autoscaler) {
    // The same rule as the Tenant construct's: both read it from the tier table.
    const autoscaled = TIER_NAMES.filter((n) => !('fixed' in TIERS[n].gatewayReplicas));
    ctx.addIssue({ code: 'custom', path: ['gateway', 'autoscaler'], message: `${t.tier} runs ${replicas.fixed === 1 ? 'one fixed replica' : `${replicas.fixed} fixed replicas`}; an autoscaler needs tier ${autoscaled.join(' or ')}` });
  }
}).meta({
  title: 'STOA tenant file (tenants/<name>.yaml)',
  description: 'One tenant of the STOA platform: who owns it, its size and the environments it is deployed to. stoa-manifests checks the rest when it reads the file (synth, check; see docs/editors.md).',
  ...TENANT_RULES_FOR_EDITORS,
});

/** A validated tenant file. */
export type TenantConfig = z.infer<typeof tenantFileSchema>;
