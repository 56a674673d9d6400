import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { KubeObject } from '../render/render';
import { compareStrings } from '../sort';
import { ObjectInFile, Violation } from './policy';

/**
 * Argo CD's repo-server refuses a directory-type Application whose manifest files add up to more
 * than this (`reposerver.max.combined.directory.manifests.size`, default `10M`); no single file we
 * read may be larger either.
 */
export const MAX_APPLICATION_MANIFEST_BYTES = 10_000_000;

/** What reading an output folder gave: the objects Argo CD would apply, and the files it would not read as we do. */
export interface OutputFolderContents {
  /** Every object, with Lists expanded into their items, in file order. */
  readonly objects: ObjectInFile[];
  /** Files that do not parse, or that Argo CD would treat differently from plain manifests. */
  readonly violations: Violation[];
}

/** The manifest extensions a directory-type Application reads (Argo CD's `manifestFile` pattern). */
const MANIFEST_FILE = /\.(ya?ml|json|jsonnet)$/;
/** Files that make Argo CD build a folder with Kustomize or Helm instead of reading its manifests. */
const TOOL_MARKER = /(^|\/)(kustomization\.ya?ml|Kustomization|[^/]*Chart\.yaml)$/;

/**
 * Reads an output folder the way Argo CD's repo-server reads a directory-type Application:
 * `.yaml`/`.yml` files as multi-document YAML, `.json` files as one object each, any object with an
 * `items` array as a List whose items are applied. What validation cannot check the same way (Jsonnet,
 * Kustomize or Helm markers, symlinks, special files, oversized files) is reported, never skipped.
 */
export function readOutputFolder(dir: string, displayPrefix = ''): OutputFolderContents {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist; run synth first or give the folder to validate`);
  const objects: ObjectInFile[] = [];
  const violations: Violation[] = [];
  const fail = (rel: string, rule: string, message: string) => violations.push({ rule, file: displayPrefix + rel, message });
  const folderBytes = new Map<string, number>();

  for (const rel of walk(dir)) {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (TOOL_MARKER.test(rel)) {
      fail(rel, 'output-file', `Argo CD builds a folder holding ${name} with ${/Chart\.yaml$/.test(name) ? 'Helm' : 'Kustomize'} instead of applying its manifests; the output holds plain manifests only`);
      continue;
    }
    if (!MANIFEST_FILE.test(name)) continue;
    const stat = fs.lstatSync(path.join(dir, rel));
    if (stat.isSymbolicLink()) {
      fail(rel, 'output-file', 'is a symbolic link: Argo CD follows it (inside the repository only) but validate does not; write the file itself');
      continue;
    }
    if (!stat.isFile()) {
      fail(rel, 'output-file', 'is not a regular file');
      continue;
    }
    if (name.endsWith('.jsonnet')) {
      fail(rel, 'output-file', 'Argo CD evaluates Jsonnet in directory Applications, and validate cannot check what it produces: commit the rendered YAML instead');
      continue;
    }
    const folder = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
    folderBytes.set(folder, (folderBytes.get(folder) ?? 0) + stat.size);
    if (stat.size > MAX_APPLICATION_MANIFEST_BYTES) {
      fail(rel, 'output-file', `is ${stat.size} bytes; Argo CD reads at most ${MAX_APPLICATION_MANIFEST_BYTES} bytes of manifests per Application`);
      continue;
    }
    const text = fs.readFileSync(path.join(dir, rel), 'utf8');
    const parsed = name.endsWith('.json') ? parseJsonManifest(text) : parseYamlManifests(text);
    if ('error' in parsed) {
      fail(rel, 'yaml-syntax', parsed.error);
      continue;
    }
    for (const object of parsed.objects) {
      for (const item of expandList(object)) objects.push({ path: rel, object: item as KubeObject });
    }
  }
  for (const [folder, bytes] of [...folderBytes].sort(([a], [b]) => compareStrings(a, b))) {
    if (bytes > MAX_APPLICATION_MANIFEST_BYTES) {
      fail(folder, 'output-file', `the manifests of this folder add up to ${bytes} bytes; Argo CD reads at most ${MAX_APPLICATION_MANIFEST_BYTES} per Application (reposerver.max.combined.directory.manifests.size)`);
    }
  }
  return { objects, violations };
}

/** Every entry under `dir` (files, symlinks, special files; not folders), without following symlinks. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(rel);
      else out.push(rel);
    }
  };
  visit('');
  return out.sort(compareStrings);
}

function parseYamlManifests(text: string): { objects: unknown[] } | { error: string } {
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) return { error: doc.errors[0].message.split('\n')[0] };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      return { error: (e as Error).message.split('\n')[0] };
    }
    if (value !== null && value !== undefined) objects.push(value);
  }
  return { objects };
}

/** Argo CD decodes a `.json` file as exactly one object. */
function parseJsonManifest(text: string): { objects: unknown[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `JSON syntax error: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'a .json manifest holds exactly one object (Argo CD refuses arrays and several objects in one JSON file)' };
  }
  return { objects: [value] };
}

/**
 * Argo CD applies the items of any object with an `items` array (`IsList()`), whatever its kind,
 * and nothing for `items: null`; so does validation.
 */
export function expandList(object: unknown): unknown[] {
  if (typeof object !== 'object' || object === null || Array.isArray(object) || !('items' in object)) return [object];
  const items = (object as { items: unknown }).items;
  if (Array.isArray(items)) return items;
  const o = object as Record<string, unknown>;
  return items === null && !('spec' in o) && !('status' in o) ? [] : [object];
}
