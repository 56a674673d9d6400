import * as fs from 'fs';
import * as path from 'path';
import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, ScalarTag } from 'yaml';
import { listFiles } from '../files';
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
/** Parameter overrides Argo CD's repo-server merges into the Application's source (exclude, plugin, helm...). */
const SOURCE_OVERRIDE = /(^|\/)\.argocd-source[^/]*\.ya?ml$/;

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

  // listFiles lists every entry that is not a folder (symlinks and special files too) and never follows a link.
  for (const rel of listFiles(dir)) {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (TOOL_MARKER.test(rel)) {
      fail(rel, 'output-file', `Argo CD builds a folder holding ${name} with ${/Chart\.yaml$/.test(name) ? 'Helm' : 'Kustomize'} instead of applying its manifests; the output holds plain manifests only`);
      continue;
    }
    if (SOURCE_OVERRIDE.test(rel)) {
      fail(rel, 'output-file', `Argo CD merges ${name} into the Application's source (it can exclude files or switch to a plugin, Helm or Kustomize); the output holds no source overrides`);
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

export function parseYamlManifests(text: string): { objects: unknown[] } | { error: string } {
  // Argo CD splits files on '---' lines only and decodes the first document of each part: after a
  // '...' end marker or a directive, it would apply less than a YAML 1.2 reader sees.
  const marker = /^(\.\.\.|%[A-Z]+)(\s|$)/m.exec(text);
  if (marker) return { error: `line ${text.slice(0, marker.index).split('\n').length}: "${marker[1]}" markers are not allowed: Argo CD splits documents on "---" only` };
  const docs = parseAllDocuments(text, { logLevel: 'error' });
  for (const doc of docs) if (doc.errors.length > 0) return { error: doc.errors[0].message.split('\n')[0] };
  // Reading the file again as YAML 1.1 costs as much as the first read: only a document where a
  // plain scalar could read differently (or that has tags, aliases or merge keys) is read again.
  if (docs.every((doc) => readsTheSameIn11(doc.contents, false))) return toObjects(docs, undefined);
  return toObjects(docs, parseAllDocuments(text, { version: '1.1', logLevel: 'error' }));
}

function toObjects(docs: ReturnType<typeof parseAllDocuments>, old: ReturnType<typeof parseAllDocuments> | undefined): { objects: unknown[] } | { error: string } {
  const objects: unknown[] = [];
  let index = 0;
  for (const doc of docs) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      return { error: (e as Error).message.split('\n')[0] };
    }
    // Argo CD's Go parser reads YAML 1.1: 010 is 8, yes is true. A value that reads otherwise in 1.2 is refused.
    const asOld = Array.isArray(old) ? old[index] : undefined;
    index++;
    let oldValue: unknown;
    try {
      oldValue = asOld?.toJS({ maxAliasCount: 100 });
    } catch {
      oldValue = undefined;
    }
    const differs = old === undefined ? undefined : firstDifference(value, oldValue, '');
    if (differs !== undefined) return { error: `${differs || '(root)'} reads differently in YAML 1.1 (Argo CD, kubectl) and 1.2: quote the value` };
    if (value !== null && value !== undefined) objects.push(value);
  }
  return { objects };
}

/** The YAML 1.1 schema's tags that resolve untagged plain scalars (`default: 'key'` only for keys), in the order the yaml library tries them. */
const YAML_11_PLAIN_TAGS = (new Document(null, { version: '1.1' }).schema.tags as ScalarTag[]).filter((t) => t.default && t.test);

/**
 * Whether a node, as the yaml library composed it in YAML 1.2, holds exactly what it would in
 * YAML 1.1: true only when it has no tag, alias or merge key, and every plain scalar resolves to
 * the same value by the 1.1 schema's tags (as the library resolves an untagged plain scalar:
 * the first default tag whose test matches). Anything else, and any doubt, is false: the caller
 * then reads the whole file as 1.1 and compares.
 */
function readsTheSameIn11(node: unknown, atKey: boolean): boolean {
  if (node === null || node === undefined) return true;
  if ((isMap(node) || isSeq(node)) && node.tag) return false;
  if (isMap(node)) return node.items.every((pair) => isPair(pair) && readsTheSameIn11(pair.key, true) && readsTheSameIn11(pair.value, false));
  if (isSeq(node)) return node.items.every((item) => readsTheSameIn11(item, false));
  if (!isScalar(node) || isAlias(node) || node.tag) return false;
  if (node.type !== 'PLAIN') return node.type !== undefined;
  const source = node.source;
  if (typeof source !== 'string') return false;
  const tag = YAML_11_PLAIN_TAGS.find((t) => (t.default === true || atKey) && t.test!.test(source));
  if (!tag) return typeof node.value === 'string' && node.value === source;
  let failed = false;
  let value: unknown;
  try {
    value = tag.resolve(source, () => { failed = true; }, { intAsBigInt: false } as never);
  } catch {
    return false;
  }
  // A tag may resolve to a Scalar node (YAML 1.1's booleans and null do): the library composes it as
  // that node, whose value is what the 1.1 reading holds.
  const resolved = isScalar(value) ? value.value : value;
  return !failed && (typeof resolved !== 'object' || resolved === null) && Object.is(resolved, node.value);
}

/** Path of the first value that differs between two parses, or undefined when they agree. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return at;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return at;
    for (const k of keys) {
      const d = firstDifference((a as any)[k], (b as any)[k], at ? `${at}.${k}` : k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : at;
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
