import * as fs from 'fs';
import * as path from 'path';
import { COMPONENT_NAMES, ComponentName } from '../config/environment-config';
import { MAX_INPUT_FILE_BYTES } from '../config/input-file';
import { parseInputYaml } from '../config/yaml-file';
import { repoRoot, tryGit } from '../git/git';
import { environmentFile, environmentsOf, projectPaths } from './project-files';
import { WorkflowError } from './workflow-error';

/** A version an environment runs that the environment it is promoted from never had. */
export interface UnpromotedVersion {
  /** The environment running the version. */
  readonly environment: string;
  /** The environment it should have come through. */
  readonly source: string;
  /** The component. */
  readonly component: ComponentName;
  /** The version that skipped the source. */
  readonly version: string;
}

/** What {@link checkPromotions} found. */
export interface PromotionCheck {
  /** True when nothing skipped the promotion order. */
  readonly ok: boolean;
  /** Every version that did. */
  readonly problems: readonly UnpromotedVersion[];
}

/**
 * Fails a change to an environment that its source has not had: every
 * component version of an environment with `promotedFrom` (staging, prod)
 * must be one that the source environment has, or has had in its git history.
 * Outside git, only the source's current versions count. In a shallow clone a
 * version found is still proof, but a missing one is not: then it throws a
 * {@link WorkflowError} asking for the full history instead of reporting it.
 */
export function checkPromotions(options: { readonly projectDir?: string } = {}): PromotionCheck {
  const paths = projectPaths(options.projectDir);
  const envs = environmentsOf(paths);
  const problems: UnpromotedVersion[] = [];
  for (const env of envs) {
    if (!env.promotedFrom) continue;
    const seen = versionsEverIn(environmentFile(paths, env.promotedFrom));
    for (const component of COMPONENT_NAMES) {
      const version = env.components[component];
      if (!seen.get(component)?.has(version)) {
        problems.push({ environment: env.name, source: env.promotedFrom, component, version });
      }
    }
  }
  if (problems.length > 0) refuseShallowHistory(paths.environmentsDir, problems.length);
  return { ok: problems.length === 0, problems };
}

/** Throws when the repository holding `dir` is a shallow clone: its history cannot show what a source environment once had. */
function refuseShallowHistory(dir: string, unproven: number): void {
  const root = repoRoot(dir);
  if (!root || tryGit(root, ['rev-parse', '--is-shallow-repository'])?.trim() !== 'true') return;
  throw new WorkflowError(`cannot check the promotion order: ${root} is a shallow clone, so the history of the environment files is incomplete and ${unproven} version${unproven === 1 ? '' : 's'} may have been in the source environment before its oldest fetched commit. Fetch the full history and run it again: git fetch --unshallow (in GitHub Actions: actions/checkout with fetch-depth: 0)`);
}

/** Human-readable lines for {@link checkPromotions}. */
export function formatPromotionCheck(check: PromotionCheck): string {
  if (check.ok) return 'promotion order holds: every version arrived through its source environment';
  return [
    `${check.problems.length} version${check.problems.length === 1 ? '' : 's'} skipped the promotion order:`,
    ...check.problems.map((p) => `  ${p.environment}: ${p.component} ${p.version} was never in ${p.source}; set it in ${p.source} first, then promote ${p.source} → ${p.environment}`),
  ].join('\n');
}

/** Every version each component has had in `file`: now, and in every commit that touched it. */
function versionsEverIn(file: string): Map<ComponentName, Set<string>> {
  const out = new Map<ComponentName, Set<string>>(COMPONENT_NAMES.map((c) => [c, new Set<string>()]));
  const add = (text: string | undefined) => {
    if (text === undefined) return;
    // History is input too: the same size and shape limits as the files of today (an old, hostile commit cannot hang this).
    if (Buffer.byteLength(text) > MAX_INPUT_FILE_BYTES) return;
    const parsed = parseInputYaml(text, file);
    if (!parsed.ok) return;
    let value: { components?: Record<string, unknown> } | null;
    try {
      value = parsed.doc.toJS({ maxAliasCount: 100 });
    } catch {
      return; // an alias bomb: not a version anyone deployed
    }
    const components = value && typeof value === 'object' ? value.components : undefined;
    for (const c of COMPONENT_NAMES) {
      const v = components?.[c];
      if (typeof v === 'string') out.get(c)!.add(v);
    }
  };
  add(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);
  const root = repoRoot(path.dirname(file));
  if (root) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const commits = tryGit(root, ['log', '--format=%H', '--', rel])?.split('\n').filter(Boolean) ?? [];
    for (const commit of commits) add(tryGit(root, ['show', `${commit}:${rel}`]));
    if (commits.length === 0) add(tryGit(root, ['show', `HEAD:${rel}`]));
  }
  return out;
}
