import * as path from 'path';
import { parseHistoricInput } from '../config/input-yaml';
import { filesAt, readFiles, repoRoot, tryGit } from '../git/git';

/**
 * Environment files as git holds them (a commit of the history, HEAD, a base ref): read as
 * input (the size and YAML limits of today's files, see {@link parseHistoricInput}), but not
 * validated, since an old commit may hold what today's schema refuses. What check-promotions,
 * promote, diff and publish read of the past.
 */

/** A component version recorded in an environment file as let in directly (`hotfixes:`). */
export interface CommittedHotfix {
  /** The version. */
  readonly version: string;
  /** Why, as recorded (cut at 200 characters). */
  readonly reason: string;
}

/** What an environment file held in a commit: only what readers of the past use. */
export interface CommittedEnvironment {
  /** Component versions (`components:`), by component; no prototype, so any name is a plain key. */
  readonly versions: Readonly<Record<string, string>>;
  /** Hotfix records (`hotfixes:`) by component, no prototype. */
  readonly hotfixes: Readonly<Record<string, CommittedHotfix>>;
  /** `mode:` as written (not validated). */
  readonly mode?: unknown;
  /** `promotedFrom:` as written (not validated). */
  readonly promotedFrom?: unknown;
}

/**
 * What an environment file's text says of versions, hotfix records and guard rails.
 * @returns undefined when the text is missing or cannot be read as one YAML mapping within the input limits
 */
export function committedEnvironment(text: string | undefined, file: string): CommittedEnvironment | undefined {
  const value = parseHistoricInput(text, file) as { components?: unknown; hotfixes?: unknown; mode?: unknown; promotedFrom?: unknown } | null | undefined;
  if (!value || typeof value !== 'object') return undefined;
  const versions: Record<string, string> = Object.create(null);
  const components = value.components && typeof value.components === 'object' ? value.components : {};
  for (const [c, v] of Object.entries(components)) {
    if (typeof v === 'string') versions[c] = v;
  }
  const hotfixes: Record<string, CommittedHotfix> = Object.create(null);
  const records = value.hotfixes && typeof value.hotfixes === 'object' ? value.hotfixes : {};
  for (const [component, r] of Object.entries(records as Record<string, any>)) {
    // Clipped to what a valid file holds (a version tag, a 200-character reason): reports show them.
    if (r && typeof r.version === 'string' && typeof r.reason === 'string') hotfixes[component] = { version: r.version.slice(0, 128), reason: r.reason.slice(0, 200) };
  }
  return { versions, hotfixes, mode: value.mode, promotedFrom: value.promotedFrom };
}

/**
 * The environment files (`<name>.yaml` or `.yml`) directly in `dir` at `commit`, by environment
 * name, each with its path and text; the first of a name when there are two.
 *
 * @param top the top folder of the git work tree
 * @param dir the environments folder, relative to `top` with `/` (e.g. `environments`, `deploy/environments`)
 */
export function environmentFilesAt(top: string, commit: string, dir: string): Map<string, { readonly file: string; readonly text: string | undefined }> {
  const folder = dir.replace(/\/+$/, '');
  const prefix = folder === '' ? '' : `${folder}/`;
  const tree = filesAt(top, commit, folder);
  const files = [...tree.keys()].filter((f) => f.startsWith(prefix) && /^[^/]+\.ya?ml$/.test(f.slice(prefix.length)));
  const out = new Map<string, { file: string; text: string | undefined }>();
  for (const [file, text] of readFiles(top, tree, files)) {
    const name = file.slice(prefix.length).replace(/\.ya?ml$/, '');
    if (!out.has(name)) out.set(name, { file, text });
  }
  return out;
}

/**
 * The component versions of an environment file as committed in HEAD.
 * @returns undefined outside git, or when HEAD has no such file (a new project)
 */
export function committedVersions(file: string): Readonly<Record<string, string>> | undefined {
  const root = repoRoot(path.dirname(file));
  if (!root) return undefined;
  const rel = path.relative(root, file).split(path.sep).join('/');
  return committedEnvironment(tryGit(root, ['show', `HEAD:${rel}`]), rel)?.versions;
}
