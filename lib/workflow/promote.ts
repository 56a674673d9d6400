import { loadProjectInput } from '../config/load';
import { COMPONENT_NAMES, ComponentName } from '../config/environment-config';
import { EditableYaml, environmentFile, environmentNamed, environmentsOf, projectPaths, tenantFile } from './project-files';
import { WorkflowError } from './workflow-error';

/** Options of {@link promote}. */
export interface PromoteOptions {
  /**
   * Project folder.
   * @default - the current working directory
   */
  readonly projectDir?: string;
  /** Environment to promote from (e.g. `staging`). */
  readonly from: string;
  /** Environment to promote to; its `promotedFrom` must be `from` (e.g. `prod`). */
  readonly to: string;
  /**
   * Also enable in `to` every tenant enabled in `from`.
   * @default true
   */
  readonly tenants?: boolean;
}

/** One version that a promotion changes. */
export interface VersionChange {
  /** The component. */
  readonly component: ComponentName;
  /** Version in the target environment before. */
  readonly from: string;
  /** Version after: the source environment's. */
  readonly to: string;
}

/** What {@link promote} did. */
export interface PromoteResult {
  /** Environment promoted from. */
  readonly from: string;
  /** Environment promoted to. */
  readonly to: string;
  /** Versions changed in the target environment. */
  readonly versions: readonly VersionChange[];
  /** Tenants newly enabled in the target environment. */
  readonly tenants: readonly string[];
  /** False when there was nothing to promote (nothing written). */
  readonly changed: boolean;
}

/**
 * Promotes one step along the promotion order (dev → staging → prod): copies
 * every component version of `from` into `to` and enables in `to` the tenants
 * enabled in `from`. Any other pair is refused. Removing a tenant from an
 * environment is never done by promotion: it is a change of its own.
 */
export function promote(options: PromoteOptions): PromoteResult {
  const paths = projectPaths(options.projectDir);
  const envs = environmentsOf(paths);
  const from = environmentNamed(envs, options.from);
  const to = environmentNamed(envs, options.to);
  if (to.promotedFrom !== from.name) {
    const order = envs.map((e) => e.name).join(' → ');
    throw new WorkflowError(to.promotedFrom
      ? `${to.name} is promoted from ${to.promotedFrom}, not from ${from.name} (order: ${order})`
      : `${to.name} is not promoted from another environment; it changes directly (order: ${order})`);
  }

  const versions = COMPONENT_NAMES
    .filter((c) => from.components[c] !== to.components[c])
    .map((c) => ({ component: c, from: to.components[c], to: from.components[c] }));
  const input = loadProjectInput({ environmentsDir: paths.environmentsDir, tenantsDir: paths.tenantsDir, displayRoot: paths.projectDir });
  const tenants = (options.tenants ?? true)
    ? input.tenants.filter((t) => t.environments.includes(from.name) && !t.environments.includes(to.name)).map((t) => t.name)
    : [];

  // Edit everything in memory first, then write.
  const edits: EditableYaml[] = [];
  if (versions.length > 0) {
    const envFile = EditableYaml.open(environmentFile(paths, to.name));
    for (const v of versions) envFile.set(['components', v.component], v.to);
    edits.push(envFile);
  }
  for (const name of tenants) {
    const file = EditableYaml.open(tenantFile(paths, name));
    file.append(['environments'], to.name);
    edits.push(file);
  }
  for (const e of edits) e.save();
  return { from: from.name, to: to.name, versions, tenants, changed: edits.length > 0 };
}
