import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ProjectInput } from '../config/load';
import { MAX_INPUT_FILE_BYTES } from '../config/names';
import { libraryFingerprint, RenderCache } from './render-cache';
import { Project, projectInput } from './project';

/**
 * The project's validated input, from the cache when every input file has the bytes it had when
 * it was last loaded and validated: the same bytes (and library, and catalog) always give the
 * same input, so a run over unchanged files skips parsing and validating them, and never loads
 * the schema library. Only plain regular files in plain folders qualify (a link, an oversized or
 * odd file is read by the loader, which judges it); input with a problem is never cached.
 */
export function snapshotInput(project: Project, cache: RenderCache | undefined): ProjectInput {
  const key = cache && inputKey(project);
  const known = key ? cache!.getInput(key) : undefined;
  if (known) return known;
  const input = projectInput(project);
  if (key) cache!.putInput(key, input);
  return input;
}

function inputKey(project: Project): string | undefined {
  const hash = crypto.createHash('sha256').update(libraryFingerprint()).update('\0input\0');
  hash.update(JSON.stringify(project.catalog.names.map((name) => [name, project.catalog.spec(name)]))).update('\0');
  for (const [label, dir] of [['environments', project.environmentsDir], ['tenants', project.tenantsDir]]) {
    if (!fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return undefined;
    // What the loader reads: the *.yaml and *.yml entries, in name order.
    for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const file = path.join(dir, name);
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile() || stat.size > MAX_INPUT_FILE_BYTES) return undefined;
      hash.update(`${label}/${name}\0`).update(fs.readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}
