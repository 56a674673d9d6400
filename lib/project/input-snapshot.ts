import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { InputFileMemo, InputFolder, ProjectInput } from '../config/load';
import { InputError } from '../config/input-error';
import { MAX_INPUT_FILE_BYTES } from '../config/names';
import { libraryFingerprint, RenderCache } from './render-cache';
import { Project, projectInput } from './project';

/**
 * The project's validated input, from the cache when every input file has the bytes it had when
 * it was last loaded and validated: the same bytes (and library, and catalog) always give the
 * same input, so a run over unchanged files skips parsing and validating them, and never loads
 * the schema library. When some files changed, only those are parsed and validated again: the
 * others' values are remembered by their bytes, and the checks across files run on all of them.
 * Only plain regular files in plain folders qualify (a link, an oversized or odd file is read by
 * the loader, which judges it); input with a problem is never cached, and its report always comes
 * from a load of every file (with every line number).
 */
export function snapshotInput(project: Project, cache: RenderCache | undefined): ProjectInput {
  const files = cache && inputFiles(project);
  if (!cache || !files) return projectInput(project);
  const key = inputKey(project, files);
  const known = cache.getInput(key);
  if (known) return known;
  const memoKey = crypto.createHash('sha256').update(libraryFingerprint()).update('\0input files\0').update(catalogText(project)).digest('hex');
  const remembered = cache.getInputFiles(memoKey) ?? {};
  const now: Record<string, { readonly digest: string; readonly value: unknown }> = {};
  const memo: InputFileMemo = {
    known: (folder, entry) => {
      const id = `${folder}/${entry}`;
      const before = remembered[id];
      if (before === undefined || before.digest !== files.get(id)) return undefined;
      now[id] = before;
      return before.value;
    },
    validated: (folder, entry, value) => {
      const id = `${folder}/${entry}`;
      const digest = files.get(id);
      if (digest !== undefined) now[id] = { digest, value };
    },
  };
  let input: ProjectInput;
  try {
    input = projectInput(project, memo);
  } catch (e) {
    // The exact report: every file read again, with line numbers.
    if (e instanceof InputError) return projectInput(project);
    throw e;
  }
  // Kept only when no file changed while the loader read it: an entry must hold what its digest says.
  const after = inputFiles(project);
  if (after && after.size === files.size && [...after].every(([id, digest]) => files.get(id) === digest)) {
    cache.putInput(key, input);
    cache.putInputFiles(memoKey, now);
  }
  return input;
}

function catalogText(project: Project): string {
  return JSON.stringify(project.catalog.names.map((name) => [name, project.catalog.spec(name)]));
}

/**
 * What the loader reads, `<folder>/<file name>` to a digest of the file's bytes, in the loader's order
 * (environments, then tenants; the *.yaml and *.yml entries by name); undefined when a folder or file
 * is not plain (the loader judges it).
 */
function inputFiles(project: Project): Map<string, string> | undefined {
  const files = new Map<string, string>();
  for (const [folder, dir] of [['environments', project.environmentsDir], ['tenants', project.tenantsDir]] as Array<[InputFolder, string]>) {
    if (!fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return undefined;
    for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const file = path.join(dir, name);
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile() || stat.size > MAX_INPUT_FILE_BYTES) return undefined;
      files.set(`${folder}/${name}`, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    }
  }
  return files;
}

function inputKey(project: Project, files: ReadonlyMap<string, string>): string {
  const hash = crypto.createHash('sha256').update(libraryFingerprint()).update('\0input\0');
  hash.update(catalogText(project)).update('\0');
  for (const [id, digest] of files) hash.update(`${id}\0${digest}\0`);
  return hash.digest('hex');
}
