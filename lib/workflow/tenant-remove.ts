import * as fs from 'fs';
import { writeFileAtomic } from '../files';
import { InputError } from '../config/input-error';
import { tenantFileSchema } from '../config/tenant-config';
import { projectInput, ProjectLocation, projectOf, readOnlyEnvironmentNames, tenantFile } from '../project/project';
import { EditableYaml } from './project-files';
import { WorkflowError } from './workflow-error';

/** Options of {@link removeTenant}. */
export interface RemoveTenantOptions extends ProjectLocation {
  /** The tenant. */
  readonly name: string;
  /**
   * Environments to remove the tenant from; when it is left in none, its file is deleted.
   * @default - every environment it is in (the tenant is removed, file and all)
   */
  readonly environments?: readonly string[];
  /**
   * Confirms removing the tenant from a read-only environment (prod): Argo CD then prunes its
   * namespace, gateway and everything in them there.
   * @default false
   */
  readonly allowProdRemoval?: boolean;
}

/** What {@link removeTenant} did. */
export interface RemoveTenantResult {
  /** The tenant. */
  readonly name: string;
  /** Environments it was removed from, in promotion order. */
  readonly removedFrom: readonly string[];
  /** Environments it stays in, in promotion order. */
  readonly remaining: readonly string[];
  /** The tenant file, edited or deleted. */
  readonly file: string;
  /** True when the file was deleted (the tenant is in no environment any more). */
  readonly deleted: boolean;
}

/**
 * Removes a tenant from some environments, or from all (deleting its file):
 * the counterpart of `addTenant`, with the same guarantees. Refused: an unknown
 * tenant or environment, an environment the tenant is not in, leaving it in an
 * environment promoted from one it leaves (prod keeps what staging has: remove
 * it from prod first, or from both at once), and a read-only environment
 * without `allowProdRemoval`. The project is validated after the change; if
 * that fails the file is put back byte for byte, so nothing is left half done.
 */
export function removeTenant(options: RemoveTenantOptions): RemoveTenantResult {
  const project = projectOf(options);
  // The name becomes a path: checked before it reaches one.
  const named = tenantFileSchema.shape.name.safeParse(options.name);
  if (!named.success) throw new WorkflowError(`tenant name "${options.name}": ${named.error.issues[0].message}`);
  const input = projectInput(project);
  const tenant = input.tenants.find((t) => t.name === options.name);
  if (!tenant) {
    throw new WorkflowError(`unknown tenant "${options.name}"${input.tenants.length ? `: one of ${input.tenants.map((t) => t.name).join(', ')}` : ': the project has none'}`);
  }
  const order = input.environments.map((e) => e.name);
  const requested = options.environments ?? tenant.environments;
  for (const env of requested) {
    if (!order.includes(env)) throw new WorkflowError(`unknown environment "${env}": one of ${order.join(', ')}`);
    if (!tenant.environments.includes(env)) throw new WorkflowError(`tenant "${tenant.name}" is not in ${env} (it is in ${tenant.environments.join(', ')})`);
  }
  const removed = order.filter((e) => requested.includes(e));
  const remaining = order.filter((e) => tenant.environments.includes(e) && !removed.includes(e));
  for (const env of input.environments) {
    if (remaining.includes(env.name) && env.promotedFrom && removed.includes(env.promotedFrom)) {
      throw new WorkflowError(`tenant "${tenant.name}" would stay in ${env.name}, which is promoted from ${env.promotedFrom}: remove it from ${env.name} first, or from both at once (--env ${[...removed, env.name].join(' ')})`);
    }
  }
  const readOnly = readOnlyEnvironmentNames(input.environments).filter((e) => removed.includes(e));
  if (readOnly.length > 0 && !options.allowProdRemoval) {
    throw new WorkflowError(`removing tenant "${tenant.name}" from ${readOnly.join(', ')} (read-only) makes Argo CD prune its namespace, gateway and everything in them there: confirm with --allow-prod-removal`);
  }

  const file = tenantFile(project, tenant.name);
  const original = fs.readFileSync(file);
  const mode = fs.statSync(file).mode & 0o777;
  if (remaining.length === 0) {
    fs.rmSync(file);
  } else {
    const yaml = EditableYaml.open(file);
    for (const env of removed) yaml.removeFromList(['environments'], env);
    yaml.save();
  }
  try {
    projectInput(project);
  } catch (e) {
    writeFileAtomic(file, original, { mode });
    if (e instanceof InputError) throw new WorkflowError(`tenant "${tenant.name}" was not removed:\n${e.message}`);
    throw e;
  }
  return { name: tenant.name, removedFrom: removed, remaining, file, deleted: remaining.length === 0 };
}
