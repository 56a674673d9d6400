import * as path from 'path';
import * as semver from 'semver';
import { committedVersions } from './committed-environments';
import { plainVersion } from './publish-guard';
import { ComponentName } from '../config/environment-config';
import { environmentFile, projectEnvironments, projectInput, ProjectLocation, projectOf, tenantFile } from '../project/project';
import { EditableYaml, environmentNamed } from './project-files';
import { WorkflowError } from './workflow-error';

/** Options of {@link promote}. */
export interface PromoteOptions extends ProjectLocation {
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
  /** Components whose hotfix record in the target environment ended: the version now comes from the source. */
  readonly hotfixesEnded: readonly ComponentName[];
  /** Tenants newly enabled in the target environment. */
  readonly tenants: readonly string[];
  /** False when there was nothing to promote (nothing written). */
  readonly changed: boolean;
}

/**
 * Whether `version` is `fixed` or a later version of it: the same tag, or both plain `x.y.z` and
 * higher. A pre-release or build suffix (`1.8.2-hotfix.1`), a commit tag or a digest has no order
 * to trust, so only the same version ends such a hotfix.
 */
function isSameOrLater(version: string, fixed: string): boolean {
  if (version === fixed) return true;
  const a = plainVersion(version);
  const b = plainVersion(fixed);
  return !!a && !!b && semver.gt(a, b);
}

/**
 * Promotes one step along the promotion order (dev → staging → prod): copies
 * every component version of `from` into `to` and enables in `to` the tenants
 * enabled in `from`. Any other pair is refused, and so is a version not yet
 * committed in `from` (the target may only take what its source ran in an
 * earlier commit) and a promotion that would take back a hotfix of the target
 * (the source has neither the fixed version nor a later one). The target's
 * hotfix records end: it now runs the source's versions. Removing a tenant
 * from an environment is never done by promotion: see `removeTenant`.
 */
export function promote(options: PromoteOptions): PromoteResult {
  const project = projectOf(options);
  const envs = projectEnvironments(project);
  const from = environmentNamed(envs, options.from);
  const to = environmentNamed(envs, options.to);
  if (to.promotedFrom !== from.name) {
    const order = envs.map((e) => e.name).join(' → ');
    throw new WorkflowError(to.promotedFrom
      ? `${to.name} is promoted from ${to.promotedFrom}, not from ${from.name} (order: ${order})`
      : `${to.name} is not promoted from another environment; it changes directly (order: ${order})`);
  }

  // Components both run (an extra component of one environment only is not promoted).
  const versions = Object.keys(to.components)
    .filter((c) => from.components[c] !== undefined && from.components[c] !== to.components[c])
    .map((c) => ({ component: c, from: to.components[c], to: from.components[c] }));
  // check-promotions wants the source to have run a version in an earlier commit: say so now, not in CI.
  const committed = committedVersions(environmentFile(project, from.name));
  const uncommitted = committed ? versions.filter((v) => committed[v.component] !== v.to) : [];
  if (uncommitted.length > 0) {
    throw new WorkflowError(`${uncommitted.map((v) => `${v.component} ${v.to}`).join(', ')} ${uncommitted.length === 1 ? 'is' : 'are'} not committed in ${from.name} yet: ${to.name} may only take a version ${from.name} had in an earlier commit. Commit ${path.relative(project.projectDir, environmentFile(project, from.name))} first, then promote ${from.name} ${to.name}`);
  }
  // After a promotion the target runs the source's versions, so every hotfix record ends: the fix must
  // have reached the source (the same version or a later one), or promoting would take it back out.
  const endedHotfixes = Object.keys(to.hotfixes ?? {});
  const undone = endedHotfixes.filter((c) => !isSameOrLater(from.components[c], to.hotfixes![c]!.version));
  if (undone.length > 0) {
    throw new WorkflowError(`promoting ${from.name} -> ${to.name} would take back ${to.name}'s hotfix${undone.length === 1 ? '' : 'es'}: ${undone.map((c) => `${c} ${to.hotfixes![c]!.version} (${to.hotfixes![c]!.reason}; ${from.name} has ${from.components[c]})`).join(', ')}. Bring the fix to ${from.name} first (stoa-manifests set-image ${undone[0]} <the fixed version or later> --env ${from.name}), commit, then promote`);
  }
  const input = projectInput(project);
  const tenants = (options.tenants ?? true)
    ? input.tenants.filter((t) => t.environments.includes(from.name) && !t.environments.includes(to.name)).map((t) => t.name)
    : [];

  // Edit everything in memory first, then write.
  const edits: EditableYaml[] = [];
  if (versions.length > 0 || endedHotfixes.length > 0) {
    const envFile = EditableYaml.open(environmentFile(project, to.name));
    for (const v of versions) envFile.set(['components', v.component], v.to);
    for (const c of endedHotfixes) envFile.delete(['hotfixes', c]);
    edits.push(envFile);
  }
  for (const name of tenants) {
    const file = EditableYaml.open(tenantFile(project, name));
    file.append(['environments'], to.name);
    edits.push(file);
  }
  for (const e of edits) e.save();
  return { from: from.name, to: to.name, versions, hotfixesEnded: endedHotfixes, tenants, changed: edits.length > 0 };
}
