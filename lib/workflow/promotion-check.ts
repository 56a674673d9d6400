import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { COMPONENT_NAMES, ComponentName } from '../config/environment-config';
import { repoRoot, tryGit } from '../git/git';
import { environmentFile, environmentsOf, projectPaths } from './project-files';

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
 * Outside git, only the source's current versions count.
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
  return { ok: problems.length === 0, problems };
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
    let components: Record<string, unknown> | undefined;
    try {
      components = parse(text)?.components;
    } catch {
      return;
    }
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
