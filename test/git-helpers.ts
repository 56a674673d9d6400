import * as fs from 'fs';
import * as path from 'path';
import { git } from '../lib/git/git';
import { synth } from '../lib';
import { exampleProject, tempDir } from './helpers';

// Commits in temp repositories need an identity; a CI machine may have none configured.
Object.assign(process.env, {
  GIT_AUTHOR_NAME: 'Release Bot', GIT_AUTHOR_EMAIL: 'release-bot@stoa.example',
  GIT_COMMITTER_NAME: 'Release Bot', GIT_COMMITTER_EMAIL: 'release-bot@stoa.example',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
});

/** Commits everything in `dir` and returns the commit. */
export function commitAll(dir: string, message: string): string {
  git(dir, ['add', '--all']);
  git(dir, ['commit', '--quiet', '--allow-empty', '-m', message]);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

/** A git repository holding the example project with its dist/ synthesized and committed. */
export function exampleRepo(): string {
  const dir = exampleProject();
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  synth({ projectDir: dir });
  commitAll(dir, 'example');
  return dir;
}

/** An empty bare repository (a remote) and a clone of it. */
export function bareRemote(): { remote: string; clone: string } {
  const parent = tempDir('stoa-envs-');
  const remote = path.join(parent, 'envs.git');
  git(parent, ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  git(parent, ['clone', '--quiet', remote, path.join(parent, 'envs')]);
  return { remote, clone: path.join(parent, 'envs') };
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
