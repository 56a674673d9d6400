import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-config';
import { isWithin, writeFileAtomic } from '../files';
import { filesAt, isSymbolicLink, readFiles } from '../git/git';
import { validationOptionsOf } from '../project/build-platform';
import { ComponentCatalog } from '../config/component-catalog';
import { projectEnvironments, projectOf } from '../project/project';
import { compareStrings } from '../sort';
import { checkOutput, renderProject } from '../project/synth-project';
import { Violation } from '../validate/policy';
import { validateFolder } from '../validate/validate';
import { CommittedHotfix, committedEnvironment, environmentFilesAt } from './committed-environments';

/** Files of the head's output that are not what the head's sources produce, relative to the output folder. */
export interface StaleOutput {
  /** Files the sources produce that the output lacks. */
  readonly missing: readonly string[];
  /** Files of the output the sources do not produce. */
  readonly extra: readonly string[];
  /** Files whose content differs. */
  readonly changed: readonly string[];
}

/** What the head's sources say about the head's output. */
export interface HeadInspection {
  /** The head's environments (validated), in promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  /**
   * How the head's output differs from what its sources produce.
   * @default - none: the output is current
   */
  readonly stale?: StaleOutput;
  /** Every rule violation of the head's output, files relative to the output folder. */
  readonly violations: readonly Violation[];
}

/**
 * Renders the head's sources and compares them with the head's output: in the working tree,
 * {@link checkOutput}; at a commit, the sources of that commit rendered in a temporary folder and
 * compared with the output committed there. Rendering validates (schemas and every policy rule) and
 * throws when the sources fail, so a current output passes every rule: it is byte for byte what was
 * validated. A stale output is validated itself, as `validate` would (files, schemas, rules).
 */
export function inspectHead(top: string, prefix: string, inRepo: string, headCommit: string | undefined, catalog: ComponentCatalog): HeadInspection {
  // The output folder relative to the project: the same at the head commit as in the working tree.
  const outDir = path.relative(path.join(top, prefix), path.join(top, inRepo));
  if (headCommit === undefined) {
    const project = projectOf({ projectDir: path.join(top, prefix), outDir, catalog });
    const check = checkOutput(project);
    const environments = projectEnvironments(project);
    if (check.upToDate) return { environments, violations: [] };
    const stale = { missing: check.missing, extra: check.extra, changed: check.changed };
    return { environments, stale, violations: fs.existsSync(project.outDir) ? validateFolder(project.outDir, validationOptionsOf(environments)).violations : [] };
  }
  const sources = new Map([...filesAt(top, headCommit, `${prefix}environments`), ...filesAt(top, headCommit, `${prefix}tenants`)]);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-head-'));
  try {
    writeFilesAt(temp, prefix, readFiles(top, sources), new Set());
    const project = projectOf({ projectDir: temp, outDir, catalog });
    // Rendered cold, never from a cache: the PR report says what the commit's sources produce.
    const expected = new Map(renderProject(project).files.map((f) => [f.path, f.content]));
    const environments = projectEnvironments(project);
    const committedFiles = filesAt(top, headCommit, inRepo);
    const committed = [...committedFiles.keys()].map((f) => f.slice(inRepo.length + 1));
    const actual = readFiles(top, committedFiles);
    const has = new Set(committed);
    const missing = [...expected.keys()].filter((f) => !has.has(f));
    const extra = committed.filter((f) => !expected.has(f)).sort(compareStrings);
    const changed = [...expected.keys()].filter((f) => has.has(f) && actual.get(`${inRepo}/${f}`) !== expected.get(f));
    if (missing.length + extra.length + changed.length === 0) return { environments, violations: [] };
    // The committed output, links as links (never followed: validate reports them), validated as a folder.
    const output = path.join(temp, '.head-output');
    fs.mkdirSync(output);
    const links = new Set([...committedFiles].filter(([, f]) => isSymbolicLink(f)).map(([p]) => p));
    writeFilesAt(output, `${inRepo}/`, actual, links);
    return { environments, stale: { missing, extra, changed }, violations: validateFolder(output, validationOptionsOf(environments)).violations };
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** Writes files read from git under `dir`, their paths stripped of `prefix`; never outside `dir`. */
function writeFilesAt(dir: string, prefix: string, files: ReadonlyMap<string, string | undefined>, links: ReadonlySet<string>): void {
  for (const [file, text] of files) {
    const target = path.join(dir, file.slice(prefix.length));
    if (text === undefined || !isWithin(dir, target) || target === dir) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (links.has(file)) fs.symlinkSync(text, target);
    else writeFileAtomic(target, text);
  }
}

/** A hotfix record (`hotfixes:` of an environment file) of the head that the base did not have as it is. */
export interface HotfixChange {
  /** The component. */
  readonly component: string;
  /** The version set directly in the environment. */
  readonly version: string;
  /** Why, as recorded. */
  readonly reason: string;
  /**
   * The environment the version did not come through.
   * @default - none: the environment is not promoted from another
   */
  readonly promotedFrom?: string;
  /**
   * The record at the base, when it changed.
   * @default - none: the record is new
   */
  readonly previous?: { readonly version: string; readonly reason: string };
}

/**
 * Hotfix records of the head's environment files that are new or changed since the base, by
 * environment, in component order. The base's files are read from git as input (size and YAML
 * limits of the input files); a base file that does not parse counts as having no records.
 */
export function hotfixChanges(top: string, prefix: string, baseCommit: string, head: readonly EnvironmentConfig[]): Map<string, HotfixChange[]> {
  const base = environmentFilesAt(top, baseCommit, `${prefix}environments`);
  const out = new Map<string, HotfixChange[]>();
  for (const env of head) {
    const file = base.get(env.name);
    // A base file that does not parse counts as having no records.
    const before: Readonly<Record<string, CommittedHotfix>> = (file && committedEnvironment(file.text, file.file)?.hotfixes) ?? Object.create(null);
    const changes = Object.entries(env.hotfixes ?? {})
      .filter(([component, h]) => h && (before[component]?.version !== h.version || before[component]?.reason !== h.reason))
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([component, h]): HotfixChange => ({
        component, version: h!.version, reason: h!.reason,
        ...(env.promotedFrom ? { promotedFrom: env.promotedFrom } : {}),
        ...(before[component] ? { previous: before[component] } : {}),
      }));
    if (changes.length > 0) out.set(env.name, changes);
  }
  return out;
}
