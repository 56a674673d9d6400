import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { synth } from '../lib';
import { publish, PublishResult } from '../lib/workflow/publish';
import { exampleProject, sharedTempDir, tempDir } from './helpers';

// Commits in temp repositories need an identity; a CI machine may have none configured. The temp
// repositories live for one test: git's automatic maintenance after each commit and fetch (a
// process of its own each time, about one git call in fifteen) has nothing to do there, nor has the
// `git gc --auto` that a push to a local (bare) repository starts in the receiving one after each
// push (receive.autogc). That one is set in a global config file of the run's own, not with
// GIT_CONFIG_COUNT like maintenance.auto: git starts the receiving side of a local push without the
// GIT_CONFIG_COUNT/KEY/VALUE variables (and GIT_CONFIG_PARAMETERS, `git -c`), but it reads
// GIT_CONFIG_GLOBAL. The file holds nothing else: no user's or machine's config is read.
const globalConfig = path.join(sharedTempDir('stoa-gitconfig-'), 'config');
fs.writeFileSync(globalConfig, '[receive]\n\tautogc = false\n');
Object.assign(process.env, {
  GIT_AUTHOR_NAME: 'Release Bot', GIT_AUTHOR_EMAIL: 'release-bot@stoa.example',
  GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release-bot@stoa.example',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: globalConfig,
  GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'maintenance.auto', GIT_CONFIG_VALUE_0: 'false',
});

/** Commits everything in `dir` and returns the commit. */
export function commitAll(dir: string, message: string): string {
  git(dir, ['add', '--all']);
  git(dir, ['commit', '--quiet', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

/** A source change as a person makes it: `edit`, then synth, then a commit of everything; returns the commit. */
export function commitChange(source: string, message: string, edit: () => void): string {
  edit();
  synth({ projectDir: source });
  return commitAll(source, message);
}

/**
 * The example project with its dist/ synthesized, in a new git repository with everything staged
 * (`git add --all`), but no commit: made once per test file (for every module of a group), copied by {@link exampleRepo}.
 */
let staged: string | undefined;
function stagedExample(): string {
  if (staged === undefined || !fs.existsSync(staged)) {
    const dir = exampleProject(sharedTempDir('stoa-project-'));
    git(dir, ['init', '--quiet', '--initial-branch=main']);
    synth({ projectDir: dir });
    git(dir, ['add', '--all']);
    // The trees too, and the index remembers them (its cache-tree): each copy's commit writes only itself.
    git(dir, ['write-tree']);
    packObjects(dir);
    staged = dir;
  }
  return staged;
}

/**
 * Packs the loose objects of the repository at `dir` (the index's too) into one pack: the same
 * objects, refs and history, in a few files instead of one per object, so a copy of the repository
 * ({@link exampleRepo}; {@link snapshotOf}'s: {@link packLooseObjects}), and its removal, costs a fraction.
 */
function packObjects(dir: string): void {
  git(dir, ['repack', '-a', '-d', '-q']);
}

/**
 * Up to this many loose objects (one commit's, a push's) a snapshot's repository keeps loose: each
 * copy then copies as many small files, which costs less than the git process that would pack them.
 */
const LOOSE_OBJECTS_KEPT = 200;

/**
 * Like {@link packObjects}, for a repository of a {@link snapshotOf} (most made from a copy of an
 * earlier snapshot, their objects packed already): only its loose objects, named by their files, go
 * into a pack of their own (`git repack` would walk every commit and tree, `-a` write every object
 * again), and only when there are many ({@link LOOSE_OBJECTS_KEPT}).
 */
function packLooseObjects(dir: string): void {
  const objects = fs.existsSync(path.join(dir, '.git')) ? path.join(dir, '.git', 'objects') : path.join(dir, 'objects');
  const ids: string[] = [];
  for (const sub of fs.readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
    for (const file of fs.readdirSync(path.join(objects, sub))) if (/^[0-9a-f]{38}$/.test(file)) ids.push(sub + file);
  }
  if (ids.length < LOOSE_OBJECTS_KEPT) return;
  // Without delta search (--window=0): half the time, and a copy's bytes cost little next to its files.
  git(dir, ['pack-objects', '-q', '--window=0', path.join(objects, 'pack', 'pack')], { input: `${ids.join('\n')}\n` });
  // What `git prune-packed` does, without its process: each of these objects is in the pack now.
  for (const id of ids) fs.rmSync(path.join(objects, id.slice(0, 2), id.slice(2)));
}

let repos = 0;

/**
 * A git repository holding the example project with its dist/ synthesized and committed. Each has
 * a history of its own (a commit no other repository has, even one made in the same second).
 */
export function exampleRepo(): string {
  const dir = tempDir('stoa-project-');
  fs.cpSync(stagedExample(), dir, { recursive: true });
  git(dir, ['commit', '--quiet', '--allow-empty', '-m', `example\n\nrepository ${++repos} of process ${process.pid} at ${Date.now()}`]);
  return dir;
}

/** What {@link snapshotOf} returns: a copy of the snapshot in a new temp folder, or ({@link Snapshot.into}) in a given one. */
export interface Snapshot<T> {
  (): T;
  /**
   * A copy of the snapshot's repositories in `parent` (a folder of its own, such as the one
   * {@link snapshotOf} gives its `make`): for a snapshot made from another one, which then starts
   * from a copy instead of building everything again.
   */
  into(parent: string): T;
}

/**
 * Repositories made once per test file and copied for each caller: `make` builds them in the
 * folder it is given (remotes and clones side by side) and returns what the caller needs, paths
 * into that folder. Each call returns a copy of the folder, and `make`'s result with its paths
 * pointing into the copy, as are the remote URLs git keeps in each repository's config. Copies
 * share the commits `make` made (the same ids): use it where a caller needs its own repositories,
 * not a history no other repository has.
 */
export function snapshotOf<T>(make: (parent: string) => T): Snapshot<T> {
  let made: { parent: string; value: string } | undefined;
  const into = (copy: string): T => {
    if (made === undefined || !fs.existsSync(made.parent)) {
      const parent = tempDir('stoa-snapshot-');
      made = { parent, value: JSON.stringify(make(parent)) };
      for (const entry of fs.readdirSync(parent)) {
        const dir = path.join(parent, entry);
        if (fs.existsSync(path.join(dir, '.git')) || fs.existsSync(path.join(dir, 'objects'))) packLooseObjects(dir);
      }
    }
    fs.cpSync(made.parent, copy, { recursive: true });
    const moved = (text: string) => text.split(made!.parent).join(copy);
    for (const entry of fs.readdirSync(copy)) {
      for (const file of ['.git/config', '.git/FETCH_HEAD', 'config', 'FETCH_HEAD']) {
        const full = path.join(copy, entry, file);
        if (fs.existsSync(full)) fs.writeFileSync(full, moved(fs.readFileSync(full, 'utf8')));
      }
    }
    return JSON.parse(moved(made.value)) as T;
  };
  return Object.assign(() => into(tempDir('stoa-copy-')), { into });
}

/** An empty bare repository (a remote) and a clone of it. */
export function bareRemote(): { remote: string; clone: string } {
  const parent = tempDir('stoa-envs-');
  const remote = path.join(parent, 'envs.git');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  git(parent, ['clone', '--quiet', remote, path.join(parent, 'envs')]);
  return { remote, clone: path.join(parent, 'envs') };
}

/** What {@link makePublishedExample} made: the paths are in the folder it was given. */
export interface PublishedExample {
  /** The example project, a repository of its own ({@link exampleRepo}), published once. */
  readonly source: string;
  /** The bare envs remote, holding that one publish. */
  readonly remote: string;
  /** A checkout of the envs remote (its origin), at that publish. */
  readonly clone: string;
  /** What that first publish returned. */
  readonly first: PublishResult;
}

/**
 * The example ({@link exampleRepo}) published once into a new envs remote through a clone of it,
 * all in `parent` (for {@link snapshotOf}: copies share the source commit and the envs commit).
 */
export function makePublishedExample(parent: string): PublishedExample {
  const source = path.join(parent, 'source');
  fs.cpSync(exampleRepo(), source, { recursive: true });
  const remote = path.join(parent, 'envs.git');
  const clone = path.join(parent, 'envs');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  git(parent, ['clone', '--quiet', remote, clone]);
  const first = publish({ projectDir: source, repo: clone });
  return { source, remote, clone, first };
}

/** Lines of a file in a repo at a ref. */
export function show(dir: string, ref: string, file: string): string {
  return git(dir, ['show', `${ref}:${file}`]);
}

export function read(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8');
}

/** Points every environment of the project in `dir` at `revision` of the envs repo, renders and commits. */
export function readBranch(dir: string, revision: string): void {
  for (const file of fs.readdirSync(path.join(dir, 'environments'))) {
    const full = path.join(dir, 'environments', file);
    fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/^  revision: .*$/m, `  revision: ${revision}`));
  }
  synth({ projectDir: dir });
  commitAll(dir, `the envs repo branch is ${revision}`);
}
