import * as fs from 'fs';
import { writeFileAtomic } from '../files';
import { InputError } from '../config/input-error';
import { EnvironmentConfig } from '../config/environment-config';
import { TenantConfig, tenantFileSchema } from '../config/tenant-config';
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
   * Confirms removing the tenant from a read-only environment (prod): a person then deletes its
   * Application there, which takes its gateway and workloads (its namespace is kept).
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
  /** Environments the tenant is leaving (`leaving`): its Application there syncs only its deprovision hook until tenant remove runs again. */
  readonly keptForDeprovision: readonly string[];
  /** Environments the tenant had been leaving, which it left now (its deprovision hook ran there before). */
  readonly finished: readonly string[];
  /** True when the file was deleted (the tenant is in no environment any more, and leaving none). */
  readonly deleted: boolean;
  /** What happens in each environment it leaves, in promotion order: what Argo CD does, what is kept, what a person does to finish. */
  readonly leaving: readonly TenantLeaving[];
}

/** How a tenant leaves one environment, once the change is synthesized, published and synced. */
export interface TenantLeaving {
  /** The environment. */
  readonly environment: string;
  /** What Argo CD (or its ApplicationSet controller) does by itself. */
  readonly automatic: string;
  /** What stays in the cluster or outside it until a person acts. */
  readonly kept: readonly string[];
  /** What a person does to finish, in order. */
  readonly steps: readonly string[];
}

/**
 * How tenant `tenant` leaves `env` with the rendered Argo CD settings. Without a deprovision hook: a
 * read-only environment (or one with keepTenantApplications) keeps its Application (Prune=false, or
 * the ApplicationSet's create-update policy) until a person deletes it, and its namespace
 * (Delete=false); an ApplicationSet's Applications never cascade (no resources finalizer). With one
 * (hooks.postDelete), the tenant stays `leaving`: its Application syncs a folder that holds only the
 * deprovision hook, which prunes what the tenant had and then runs the hook; `tenant remove` again
 * takes the Application and the folder away.
 */
function leavingOf(env: EnvironmentConfig, tenant: TenantConfig): TenantLeaving {
  const app = `${env.name}-tenant-${tenant.name}`;
  const namespace = `tenant-${tenant.name}`;
  const readOnly = env.mode === 'read-only';
  const set = env.tenantApplications === 'applicationset';
  const byPerson = readOnly || env.keepTenantApplications === true;
  const kept: string[] = [];
  const steps: string[] = [];
  const deprovision = tenant.hooks?.postDelete;
  if (!deprovision && tenant.hooks?.preSync) kept.push(`what its provisioning hook (${tenant.hooks.preSync}) made outside the cluster: the tenant has no hooks.postDelete to undo it`);
  let automatic: string;
  if (deprovision) {
    const prunes = readOnly ? 'prunes its workloads (the namespace stays: Delete=false)' : 'prunes its namespace and everything in it';
    automatic = readOnly
      ? `nothing until a person syncs Application ${app}, which now holds only the deprovision hook`
      : `Argo CD syncs Application ${app}, which now holds only the deprovision hook: it ${prunes}, then runs the deprovision hook (${deprovision})`;
    kept.push(`Application ${app} and its files in git (leaving: [${env.name}]), until tenant remove runs again`);
    if (readOnly) steps.push(`after the sync of the root, sync the Application: argocd app sync ${app} --prune (it ${prunes}, then runs the deprovision hook (${deprovision}))`);
    steps.push(`once the deprovision hook has succeeded (argocd app get ${app}), run tenant remove ${tenant.name} --env ${env.name} again: the Application and its files leave git`);
    if (byPerson) steps.push(`after that change is synced, delete the Application: argocd app delete ${app}`);
    if (readOnly) kept.push(`namespace ${namespace} (Delete=false)`);
  } else if (byPerson) {
    const why = set ? "the ApplicationSet's create-update policy" : 'Prune=false';
    automatic = `nothing: Argo CD keeps Application ${app} (${why}) until a person deletes it`;
    kept.push(`Application ${app}`);
    if (readOnly) kept.push(`namespace ${namespace} (Delete=false)`);
    const deleting = set ? 'no resources finalizer: its objects stay' : readOnly ? 'its workloads go; the namespace stays' : 'its namespace and everything in it go';
    steps.push(`after the sync, delete the Application: argocd app delete ${app} (${deleting})`);
  } else if (set) {
    automatic = `the ApplicationSet deletes Application ${app}; it has no resources finalizer, so its objects stay`;
    kept.push(`namespace ${namespace} and everything in it`);
  } else {
    automatic = `Argo CD prunes Application ${app}, which deletes its namespace and everything in it`;
  }
  if (readOnly || (set && !deprovision)) steps.push(`when nothing in it is needed any more: kubectl delete namespace ${namespace}`);
  return { environment: env.name, automatic, kept, steps };
}

/**
 * Removes a tenant from some environments, or from all (deleting its file):
 * the counterpart of `addTenant`, with the same guarantees. A tenant with a deprovision hook
 * (hooks.postDelete) leaves in two steps: it stays `leaving` (its Application syncs only the hook,
 * which prunes what it had and runs the hook); naming the environment again removes it. Refused: an unknown
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
  const leavingBefore = tenant.leaving ?? [];
  const requested = options.environments ?? [...tenant.environments, ...leavingBefore];
  for (const env of requested) {
    if (!order.includes(env)) throw new WorkflowError(`unknown environment "${env}": one of ${order.join(', ')}`);
    if (!tenant.environments.includes(env) && !leavingBefore.includes(env)) {
      throw new WorkflowError(`tenant "${tenant.name}" is not in ${env} (it is in ${tenant.environments.join(', ') || 'no environment'}${leavingBefore.length ? `, leaving ${leavingBefore.join(', ')}` : ''})`);
    }
  }
  const removed = order.filter((e) => requested.includes(e) && tenant.environments.includes(e));
  // Leaving environments named again: the deprovision hook has run there, the Application and its folder go now.
  const finished = order.filter((e) => requested.includes(e) && leavingBefore.includes(e));
  const remaining = order.filter((e) => tenant.environments.includes(e) && !removed.includes(e));
  // With a deprovision hook the tenant leaves in two steps: first its Application syncs only the hook.
  const nowLeaving = tenant.hooks?.postDelete ? removed : [];
  const leavingAfter = order.filter((e) => (leavingBefore.includes(e) && !finished.includes(e)) || nowLeaving.includes(e));
  for (const env of input.environments) {
    if (remaining.includes(env.name) && env.promotedFrom && removed.includes(env.promotedFrom)) {
      throw new WorkflowError(`tenant "${tenant.name}" would stay in ${env.name}, which is promoted from ${env.promotedFrom}: remove it from ${env.name} first, or from both at once (--env ${[...removed, env.name].join(' ')})`);
    }
  }
  const readOnly = readOnlyEnvironmentNames(input.environments).filter((e) => removed.includes(e));
  if (readOnly.length > 0 && !options.allowProdRemoval) {
    throw new WorkflowError(`removing tenant "${tenant.name}" from ${readOnly.join(', ')} (read-only) takes its gateway out once a person deletes its Application there (its namespace is kept): confirm with --allow-prod-removal`);
  }

  const file = tenantFile(project, tenant.name);
  const original = fs.readFileSync(file);
  const mode = fs.statSync(file).mode & 0o777;
  const deleted = remaining.length === 0 && leavingAfter.length === 0;
  if (deleted) {
    fs.rmSync(file);
  } else {
    const yaml = EditableYaml.open(file);
    for (const env of removed) yaml.removeFromList(['environments'], env);
    for (const env of finished) yaml.removeFromList(['leaving'], env);
    for (const env of nowLeaving) yaml.append(['leaving'], env);
    if (leavingAfter.length === 0 && yaml.get(['leaving']) !== undefined) yaml.delete(['leaving']);
    yaml.save();
  }
  try {
    projectInput(project);
  } catch (e) {
    writeFileAtomic(file, original, { mode });
    if (e instanceof InputError) throw new WorkflowError(`tenant "${tenant.name}" was not removed:\n${e.message}`);
    throw e;
  }
  const leaving = input.environments.filter((e) => removed.includes(e.name)).map((e) => leavingOf(e, tenant));
  return { name: tenant.name, removedFrom: removed, remaining, keptForDeprovision: leavingAfter, finished, file, deleted, leaving };
}
