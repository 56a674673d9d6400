import * as fs from 'fs';
import * as path from 'path';
import { tryGit } from '../git/git';
import { committedEnvironment, environmentFilesAt } from './committed-environments';

// The component versions publish reports and guards come from the environment files, never
// from the rendered manifests: now, the project's files; before, the files of the source commit
// the last publish recorded (`Source-Commit:`), read from the source repository's history.

/**
 * What an environment ran at the last publish, as its environment file said then:
 * `undefined` when nothing of it was published before (a first publish, or an environment
 * the last published commit did not have), `known: false` when it was but its file cannot
 * be read here (the commit is not in this repository, or the file is not readable YAML).
 */
export type VersionsBefore =
  | { readonly known: true; readonly versions: Readonly<Record<string, string>> }
  | { readonly known: false; readonly why: string }
  | undefined;

/**
 * The versions of each environment in `environments` at the last published source commit.
 *
 * @param root the top folder of the source repository's work tree
 * @param environmentsDir the project's `environments/` folder
 * @param lastSource the last published source commit, or undefined on a first publish
 */
export function versionsAtLastPublish(root: string, environmentsDir: string, lastSource: string | undefined, environments: readonly string[]): Map<string, VersionsBefore> {
  const out = new Map<string, VersionsBefore>();
  if (lastSource === undefined) return out;
  const short = lastSource.slice(0, 12);
  const unknown = (why: string) => new Map<string, VersionsBefore>(environments.map((e) => [e, { known: false, why }]));
  if (tryGit(root, ['cat-file', '-e', `${lastSource}^{commit}`]) === undefined) {
    return unknown(`the last published source commit ${short} is not in this repository`);
  }
  const dir = path.relative(root, fs.realpathSync(environmentsDir)).split(path.sep).join('/');
  if (dir.startsWith('..') || path.isAbsolute(dir)) return unknown(`${environmentsDir} is outside the source repository`);
  const files = environmentFilesAt(root, lastSource, dir);
  // None at all: the project was elsewhere in that commit, not every environment new since.
  if (files.size === 0) return unknown(`${dir}/ holds no environment files at ${short}`);
  for (const env of environments) {
    const file = files.get(env);
    if (!file) continue;
    const state = committedEnvironment(file.text, file.file);
    out.set(env, state ? { known: true, versions: state.versions } : { known: false, why: `${file.file} cannot be read at ${short}` });
  }
  return out;
}
