import * as semver from 'semver';
import { committedVersions } from './committed-environments';
import { plainVersion } from './publish-guard';
import { ComponentName } from '../config/environment-config';
import { formatPath } from '../config/field-path';
import { printable } from '../config/input-file';
import { displayPath } from '../files';
import { environmentFile, projectEnvironments, projectInput, ProjectLocation, projectOf, tenantFile } from '../project/project';
import { EditableYaml, environmentNamed } from './project-files';
import { lineOfField, Refusal, refusalError } from './refusal';

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
 * from an environment is never done by promotion: see `removeTenant`. A refused
 * promotion lists every problem at once (each version not committed, each
 * hotfix it would take back), one per line with its file, line and field.
 */
export function promote(options: PromoteOptions): PromoteResult {
  const project = projectOf(options);
  const envs = projectEnvironments(project);
  const fileOf = (name: string) => environmentFile(project, name);
  const shown = (name: string) => displayPath(project.projectDir, fileOf(name));
  const what = `cannot promote ${printable(options.from)} -> ${printable(options.to)}`;
  const unknown = [options.from, options.to].filter((name, i, all) => all.indexOf(name) === i && !envs.some((e) => e.name === name));
  if (unknown.length > 0) {
    const known = envs.map((e) => e.name).join(', ');
    throw refusalError(what, unknown.map((name) => ({ file: displayPath(project.projectDir, project.environmentsDir), field: '', message: `unknown environment "${name}": one of ${known}` })));
  }
  const from = environmentNamed(envs, options.from);
  const to = environmentNamed(envs, options.to);
  if (to.promotedFrom !== from.name) {
    const order = envs.map((e) => e.name).join(' → ');
    const source = to.promotedFrom ? `: promote ${to.promotedFrom} ${to.name}` : '';
    throw refusalError(what, [{
      file: shown(to.name), line: lineOfField(fileOf(to.name), ['promotedFrom']), field: 'promotedFrom',
      message: to.promotedFrom
        ? `${to.name} is promoted from ${to.promotedFrom}, not from ${from.name} (order: ${order})${source}`
        : `${to.name} is not promoted from another environment; it changes directly (order: ${order}): stoa-manifests set-image <component> <version> --env ${to.name}`,
    }]);
  }

  // Components both run (an extra component of one environment only is not promoted).
  const versions = Object.keys(to.components)
    .filter((c) => from.components[c] !== undefined && from.components[c] !== to.components[c])
    .map((c) => ({ component: c, from: to.components[c], to: from.components[c] }));
  const refusals: Refusal[] = [];
  // check-promotions wants the source to have run a version in an earlier commit: say so now, not in CI.
  const committed = committedVersions(fileOf(from.name));
  for (const v of committed ? versions.filter((c) => committed[c.component] !== c.to) : []) {
    const head = committed![v.component];
    refusals.push({
      file: shown(from.name), line: lineOfField(fileOf(from.name), ['components', v.component]), field: formatPath(['components', v.component]),
      message: `${v.to} is not committed in ${from.name} yet: ${to.name} may only take a version ${from.name} had in an earlier commit${head === undefined ? '' : ` (${from.name}'s last commit has ${head})`}. Commit ${shown(from.name)} first, then promote ${from.name} ${to.name}`,
    });
  }
  // After a promotion the target runs the source's versions, so every hotfix record ends: the fix must
  // have reached the source (the same version or a later one), or promoting would take it back out.
  const endedHotfixes = Object.keys(to.hotfixes ?? {});
  for (const c of endedHotfixes.filter((name) => !isSameOrLater(from.components[name], to.hotfixes![name]!.version))) {
    const fixed = to.hotfixes![c]!;
    const later = plainVersion(fixed.version) ? ' or a later x.y.z version' : ' (the very same tag: it has no order to compare a later one by)';
    refusals.push({
      file: shown(to.name), line: lineOfField(fileOf(to.name), ['hotfixes', c]), field: formatPath(['hotfixes', c]),
      message: `promoting ${from.name} -> ${to.name} would take back ${to.name}'s hotfix: ${c} ${fixed.version} (${fixed.reason}; ${from.name} has ${from.components[c] ?? 'no such component'}). Bring the fix to ${from.name} first (stoa-manifests set-image ${c} ${fixed.version} --env ${from.name}${later}), commit, then promote ${from.name} ${to.name}`,
    });
  }
  if (refusals.length > 0) throw refusalError(what, refusals);
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
