import * as fs from 'fs';
import * as path from 'path';
import { isWithin } from '../files';
import { readInputText } from '../config/input-file';
import { jsonSchemaPath } from '../config/json-schemas';
import { compareStrings } from '../sort';

/**
 * The first line of a new tenant file: the YAML language server's modeline that points editors at the
 * tenant file's JSON Schema (docs/editors.md).
 */

/** A line that points the YAML language server at a JSON Schema: `# yaml-language-server: $schema=<path or URL>`. */
const SCHEMA_LINE = /^#\s*yaml-language-server\s*:.*\$schema=\S+/;

/** This package's name, as a project installs it under node_modules/. */
const PACKAGE_NAME = 'stoa-manifests';

/**
 * The `$schema` line for a new file in `tenantsDir`: the one an existing tenant file there has (the
 * project's own choice: a path, a URL), else one with the path from `tenantsDir` to the tenant file's
 * JSON Schema as the project has it: in `node_modules/stoa-manifests` (the nearest, as Node resolves
 * the package), or in this package when the project is inside it (this repository). Undefined when
 * neither is there (the package runs from elsewhere, e.g. a global install): a path to it would hold
 * only on this machine.
 *
 * @param tenantsDir the project's tenants/ folder
 * @param projectDir the project folder (a link among the tenant files is read only to a file inside it)
 */
export function tenantSchemaLine(tenantsDir: string, projectDir: string): string | undefined {
  const existing = existingSchemaLine(tenantsDir, projectDir);
  if (existing !== undefined) return existing;
  const schema = installedSchema(projectDir) ?? ownSchemaFor(projectDir);
  return schema && `# yaml-language-server: $schema=${path.relative(tenantsDir, schema).split(path.sep).join('/')}`;
}

function existingSchemaLine(tenantsDir: string, projectDir: string): string | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync(tenantsDir).filter((e) => /\.ya?ml$/.test(e)).sort(compareStrings);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    // Read as every input file is (a regular file of at most 1 MiB, a link only inside the project).
    const read = readInputText(path.join(tenantsDir, entry), entry, projectDir);
    if (!read.ok) continue;
    const line = read.text.split(/\r?\n/).find((l) => SCHEMA_LINE.test(l));
    if (line !== undefined) return line.trimEnd();
  }
  return undefined;
}

/** The schema in the nearest `node_modules/stoa-manifests` from the project folder up, as the project sees it (not through links). */
function installedSchema(projectDir: string): string | undefined {
  for (let dir = path.resolve(projectDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', PACKAGE_NAME, ...jsonSchemaPath('tenant').split('/'));
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** This package's own schema, when the project is inside this package's folder (this repository, or a folder of it). */
function ownSchemaFor(projectDir: string): string | undefined {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, ...jsonSchemaPath('tenant').split('/'));
    if (!fs.existsSync(file)) continue;
    // As the project's path names it, so the relative path holds when the project is reached through a link.
    const project = realpath(projectDir);
    return isWithin(realpath(dir), project) ? path.join(projectDir, path.relative(project, realpath(file))) : undefined;
  }
  return undefined;
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
