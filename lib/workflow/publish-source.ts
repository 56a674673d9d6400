import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-config';
import { displayPath } from '../files';
import { git, redactUrl, repoRoot, tryGit } from '../git/git';
import { Project, projectEnvironments } from '../project/project';
import { compareStrings } from '../sort';
import { environmentGuards } from './promotion-check';
import { PublishSource } from './publish-summary';
import { rendererId } from '../project/renderer-id';
import { WorkflowError } from './workflow-error';

// What a publish takes from the source side: the commit it records and the environment
// folders of the output it copies, each refused when it is not exactly what was rendered.

/** The environment folders of the output to publish, and what the project's environment files say of them. */
export interface PublishedFolders {
  /** Every environment of the project (validated), in promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  /** The environments with a folder in the output, by name. */
  readonly present: string[];
  /** The environments that are or ever were read-only. */
  readonly readOnly: Set<string>;
  /** The envs repo branch each present environment's Applications read (`repo.revision`). */
  readonly revisions: Map<string, string>;
}

/**
 * The environment folders of `outDir` to publish: those of the project's environment files.
 * Each is replaced whole in the envs repo, so anything else at the top of `outDir` (a `.git`
 * folder, a file, a symbolic link) is refused rather than copied over the envs checkout, and
 * inside them only folders and regular files are accepted (a symbolic link would be published
 * as a link to whatever it names on the machine that syncs).
 */
export function environmentFolders(project: Project): PublishedFolders {
  const { projectDir, outDir } = project;
  const shown = displayPath(projectDir, outDir);
  // Environment names are DNS labels (the schema checks them): never ".git", "..", or a path.
  const envs = projectEnvironments(project);
  const names = envs.map((e) => e.name);
  const stat = fs.lstatSync(outDir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new WorkflowError(`${shown} is ${!stat ? 'missing' : stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}: publish copies the folder synth writes; run synth and commit first`);
  }
  const known = new Set(names);
  const entries = fs.readdirSync(outDir, { withFileTypes: true });
  const foreign = entries.filter((e) => !(e.isDirectory() && known.has(e.name))).map((e) => e.name).sort(compareStrings);
  if (foreign.length > 0) {
    throw new WorkflowError(`${shown}/ holds ${foreign.slice(0, 5).map((n) => JSON.stringify(n)).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}, which ${foreign.length === 1 ? 'is' : 'are'} not the folder of an environment (${names.join(', ')}); publish replaces each folder it copies in the envs repo, so it copies nothing else: remove ${foreign.length === 1 ? 'it' : 'them'} and run synth`);
  }
  const present = names.filter((n) => entries.some((e) => e.name === n)).sort(compareStrings);
  for (const env of present) {
    const odd = oddEntry(outDir, env);
    if (odd) throw new WorkflowError(`${shown}/${odd.path} is ${odd.kind}; publish copies only folders and regular files: remove it and run synth`);
  }
  // Read-only now or ever: prod's file edited to mode: full still guards prod.
  const guards = environmentGuards(project, envs);
  return {
    environments: envs,
    present,
    readOnly: new Set(envs.filter((e) => guards.get(e.name)?.everReadOnly).map((e) => e.name)),
    revisions: new Map(envs.filter((e) => present.includes(e.name)).map((e) => [e.name, e.repo.revision])),
  };
}

/** The first entry under `outDir/dir` that is neither a folder nor a regular file. */
function oddEntry(outDir: string, dir: string): { path: string; kind: string } | undefined {
  for (const e of fs.readdirSync(path.join(outDir, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      const found = oddEntry(outDir, rel);
      if (found) return found;
    } else if (!e.isFile()) {
      return { path: rel, kind: e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file' };
    }
  }
  return undefined;
}

/** The source commit a publish records, and the top of the source repository. */
export interface SourceInfo extends PublishSource {
  /** The top folder of the source repository's work tree. */
  readonly root: string;
}

/**
 * The source commit to record: HEAD of the repository the project is in, refused while a tracked
 * file has uncommitted changes, or an untracked one where synth reads or writes (the project's
 * environments/, tenants/ and output), since the recorded commit must be what was rendered.
 */
export function sourceOf(project: Project): SourceInfo {
  const { projectDir, outDir } = project;
  const root = repoRoot(projectDir);
  if (!root) throw new WorkflowError(`${projectDir} is not in a git repository: publish records the source commit. Run it in a clone of the source repository, or give --project a folder of one`);
  // Any change to a tracked file blocks (the recorded commit must be what was rendered); an untracked
  // file only when synth reads or writes it: the project's environments/, tenants/ and output.
  const realProject = fs.realpathSync(projectDir);
  const output = fs.existsSync(outDir) ? fs.realpathSync(outDir) : outDir;
  const inputs = [project.environmentsDir, project.tenantsDir].map((dir) => path.join(realProject, path.relative(projectDir, dir)));
  const read = [...inputs, output]
    .map((p) => path.relative(root, p)).filter((rel) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel));
  const tracked = git(root, ['status', '--porcelain', '--untracked-files=no', '--', '.']).split('\n').filter(Boolean);
  const untracked = read.length === 0 ? [] : git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...read])
    .split('\n').filter((l) => l.startsWith('??'));
  const dirty = [...tracked, ...untracked];
  if (dirty.length > 0) {
    throw new WorkflowError(`the source repository has uncommitted changes; commit them so the envs repo can record the commit it came from:\n${dirtyListing(dirty)}`);
  }
  // HEAD's commit and author in one call (without a commit, the two calls it replaces, for their error).
  const head = tryGit(root, ['log', '-1', '--format=%H%n%an <%ae>'])
    ?? `${git(root, ['rev-parse', 'HEAD']).trim()}\n${git(root, ['log', '-1', '--format=%an <%ae>']).trim()}`;
  const [commit, author] = head.split('\n');
  return {
    root,
    // Recorded in the envs repo's history: a token in the remote URL must not be.
    repo: redactUrl(tryGit(root, ['remote', 'get-url', 'origin'])?.trim() || root),
    commit: commit.trim(),
    author: author.trim(),
    renderer: rendererId(project.catalog),
  };
}

/** `git status --porcelain` lines as an aligned list a person reads: `  modified   environments/dev.yaml`. */
function dirtyListing(lines: readonly string[]): string {
  const what = (xy: string) => (xy === '??' ? 'untracked' : xy.includes('D') ? 'deleted' : xy.includes('A') ? 'added' : xy.includes('R') ? 'renamed' : 'modified');
  const shown = lines.slice(0, 20).map((l) => `  ${what(l.slice(0, 2)).padEnd(10)} ${l.slice(3)}`);
  return [...shown, ...(lines.length > 20 ? [`  ... and ${lines.length - 20} more`] : [])].join('\n');
}
