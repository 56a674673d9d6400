import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { isAlias, isMap, isScalar, isSeq, Node, Pair, parseDocument, YAMLMap } from 'yaml';
import { EnvironmentConfig } from '../config/environment-config';
import { formatPath } from '../config/field-path';
import { readInputText } from '../config/input-file';
import { InputError } from '../config/input-error';
import { parseInputYaml } from '../config/input-yaml';
import { displayPath, writeFileAtomic } from '../files';
import { EditValue } from './yaml-render';
import { applySplices, Splice, YamlSource } from './yaml-splice';
import { WorkflowError } from './workflow-error';

/** One environment by name; the error lists the known ones. */
export function environmentNamed(envs: readonly EnvironmentConfig[], name: string): EnvironmentConfig {
  const env = envs.find((e) => e.name === name);
  if (!env) throw new WorkflowError(`unknown environment "${name}": one of ${envs.map((e) => e.name).join(', ')}`);
  return env;
}

/**
 * A YAML file edited in place: only the text of what an edit changes is rewritten (a
 * scalar's characters, one added line, the lines of a removed entry); every other byte
 * stays as the user wrote it: comments, blank lines, quoting, long lines, flow style,
 * anchors, key order, line endings and a byte order mark. After each edit the text is
 * parsed again and must hold exactly the data before with that change applied, or the
 * edit throws (a bug) and nothing can be written.
 */
export class EditableYaml {
  /**
   * Opens `file` for editing. It is read like every input file (a regular file within
   * the input limits, one YAML document without errors); otherwise an {@link InputError}
   * names the file and line.
   *
   * @param file an environment or tenant file of a project
   * @param displayName how the file is named in messages (default: relative to its project)
   */
  public static open(file: string, displayName?: string): EditableYaml {
    // The project of `environments/dev.yaml` is the folder above its folder.
    const project = path.dirname(path.dirname(path.resolve(file)));
    const name = displayName ?? displayPath(project, path.resolve(file));
    const read = readInputText(file, name, project);
    if (!read.ok) throw new InputError(read.problems);
    const parsed = parseInputYaml(read.text, name);
    if (!parsed.ok) throw new InputError(parsed.problems);
    return new EditableYaml(file, name, read.text);
  }

  private source: YamlSource;

  private constructor(
    /** The file edited. */
    public readonly file: string,
    /** How messages name the file. */
    public readonly displayName: string,
    text: string,
  ) {
    this.source = this.parse(text);
  }

  /** Value at `keys`, as plain data (undefined when missing). */
  public get(keys: readonly string[]): unknown {
    return this.getIn(this.dataOf(this.source), keys);
  }

  /** Sets a scalar at `keys`, keeping its quoting when the value allows; a missing key is added after the last one of its mapping. */
  public set(keys: readonly string[], value: string): void {
    this.edit(keys, (data) => setIn(data, keys, value), () => this.put(keys, value));
  }

  /** Sets `keys` to a mapping of strings: an existing mapping has its values set and other keys removed; a new one is written in block style. */
  public setMapping(keys: readonly string[], value: Readonly<Record<string, string>>): void {
    this.edit(keys, (data) => setIn(data, keys, { ...value }), () => this.put(keys, { ...value }));
  }

  /** Removes the entry at `keys` (its lines), and the mapping above it when that leaves it empty. */
  public delete(keys: readonly string[]): void {
    const parent = keys.slice(0, -1);
    this.edit(keys, (data) => {
      deleteIn(data, keys);
      const above = this.getIn(data, parent);
      if (parent.length > 0 && isObject(above) && Object.keys(above).length === 0) deleteIn(data, parent);
    }, () => {
      // The last entry of a mapping goes with the mapping: an emptied block mapping would read as null.
      const above = parent.length > 0 ? this.nodeAt(parent)?.node : undefined;
      const last = isMap(above) && above.items.length === 1 && pairOf(above, keys[keys.length - 1]) !== undefined;
      this.removeAt(last ? parent : keys);
    });
  }

  /** Removes every item equal to `value` from the list at `keys`, keeping its style (a block list left empty becomes `[]`). */
  public removeFromList(keys: readonly string[], value: string): void {
    this.edit(keys, (data) => {
      const list = this.getIn(data, keys);
      if (Array.isArray(list)) setIn(data, keys, list.filter((item) => item !== value));
    }, () => {
      for (;;) {
        const at = this.nodeAt(keys);
        if (!at || !isSeq(at.node)) throw this.refuse(keys, 'is not a list');
        const item = (at.node.items as Node[]).find((i) => isScalar(i) && i.value === value);
        if (!item) return;
        this.splice(this.source.removeItem(at.node, item, at.owner, formatPath(keys)));
      }
    });
  }

  /** Appends `value` to the list at `keys`, keeping its flow or block style (a missing one is made as `[value]`). */
  public append(keys: readonly string[], value: string): void {
    this.edit(keys, (data) => {
      const list = this.getIn(data, keys);
      setIn(data, keys, Array.isArray(list) ? [...list, value] : [value]);
    }, () => {
      const at = this.nodeAt(keys);
      if (at && isSeq(at.node)) this.splice(this.source.appendItem(at.node, value, formatPath(keys)));
      else this.put(keys, [value]);
    });
  }

  /** The 1-based line where the value at `keys` starts (its key's line); undefined when it is missing. */
  public lineOf(keys: readonly string[]): number | undefined {
    const at = this.nodeAt(keys);
    const start = (at?.owner?.key as Node | undefined)?.range?.[0];
    return start === undefined ? undefined : this.source.lineOf(start);
  }

  /** The edited text, without the byte order mark (kept by {@link save}). */
  public toString(): string {
    return this.source.text.replace(/^\ufeff/, '');
  }

  /**
   * Writes the edited text back, in one step (a sibling file renamed over it, so a crash
   * leaves the old file or the new one, never half of it), with the file's mode kept.
   */
  public save(): void {
    writeFileAtomic(this.file, this.source.text, { mode: fs.statSync(this.file).mode & 0o777 });
  }

  /** Runs one edit: `change` splices the text; the result must parse to `expect` applied to the data before. */
  private edit(keys: readonly string[], expect: (data: Record<string, unknown>) => void, change: () => void): void {
    const before = this.source;
    // A fresh copy of the data before, changed as intended (not structuredClone: under Jest it makes
    // objects of another realm, which isDeepStrictEqual never finds equal).
    const expected = this.dataOf(before) as Record<string, unknown>;
    expect(expected);
    try {
      change();
      const got = this.dataOf(this.source);
      if (!isDeepStrictEqual(got, expected)) {
        throw new Error(`${this.displayName}: editing ${formatPath(keys)} in place gave other data than intended (${firstDifference(expected, got)}); nothing was written. This is a bug in stoa-manifests: please report it with the file`);
      }
    } catch (e) {
      this.source = before;
      throw e;
    }
  }

  /** Writes `value` at `keys`: a scalar set in place, a mapping's keys one by one, a missing key added with what it holds. */
  private put(keys: readonly string[], value: EditValue): void {
    let map: unknown = this.source.doc.contents;
    let owner: Pair | undefined;
    let parent: YAMLMap | undefined;
    for (let i = 0; i < keys.length; i++) {
      const field = formatPath(keys.slice(0, i + 1));
      const rest = nest(keys.slice(i + 1), value);
      if (isAlias(map)) throw this.refuse(keys.slice(0, i), `is an alias (*${map.source}): edit it where &${map.source} is`);
      if (owner && parent && isEmpty(map)) return this.splice(this.source.fillEmpty(owner, parent, nest(keys.slice(i), value), formatPath(keys.slice(0, i))));
      if (!isMap(map)) throw this.refuse(keys.slice(0, i), 'is not a mapping');
      const pair = pairOf(map, keys[i]);
      if (!pair) return this.splice(this.source.insertEntry(map, keys[i], rest, field));
      if (i === keys.length - 1) {
        const node = pair.value as Node | null;
        if (typeof value === 'string') return this.splice(this.source.setScalar(node, pair, map, value, field));
        if (isEmpty(node)) return this.splice(this.source.fillEmpty(pair, map, value, field));
        if (isMap(node) && !Array.isArray(value)) {
          const wanted = value as Record<string, EditValue>;
          const extra = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : undefined)).filter((k): k is string => k !== undefined && !(k in wanted));
          for (const [k, v] of Object.entries(wanted)) this.put([...keys, k], v);
          for (const k of extra) this.removeAt([...keys, k]);
          return undefined;
        }
        throw this.refuse(keys, `is ${isMap(node) ? 'a mapping' : isSeq(node) ? 'a list' : 'a single value'}, not ${Array.isArray(value) ? 'a list' : 'a mapping'}`);
      }
      owner = pair;
      parent = map;
      map = pair.value;
    }
    return undefined;
  }

  /** Removes the entry at `keys` when it is there. */
  private removeAt(keys: readonly string[]): void {
    const above = keys.length > 1 ? this.nodeAt(keys.slice(0, -1))?.node : this.source.doc.contents;
    if (!isMap(above)) return;
    const pair = pairOf(above, keys[keys.length - 1]);
    if (pair) this.splice(this.source.removeEntry(above, pair, formatPath(keys)));
  }

  /** The node at `keys` and the entry holding it, through mappings only; undefined when a key is missing. */
  private nodeAt(keys: readonly string[]): { node: unknown; owner?: Pair } | undefined {
    let node: unknown = this.source.doc.contents;
    let owner: Pair | undefined;
    for (const [i, key] of keys.entries()) {
      if (isAlias(node)) throw this.refuse(keys.slice(0, i), `is an alias (*${node.source}): edit it where &${node.source} is`);
      if (!isMap(node)) return undefined;
      owner = pairOf(node, key);
      if (!owner) return undefined;
      node = owner.value;
    }
    return { node, owner };
  }

  /** Applies splices to the text and parses it again. */
  private splice(splices: readonly Splice[]): void {
    this.source = this.parse(applySplices(this.source.text, splices));
  }

  private parse(text: string): YamlSource {
    // The limits and the duplicate-key check of every input file hold for the edited text too.
    const checked = parseInputYaml(text, this.displayName);
    if (!checked.ok) {
      throw new Error(`${this.displayName}: the edited text does not parse (${checked.problems.map((p) => p.message).join('; ')}); nothing was written. This is a bug in stoa-manifests: please report it with the file`);
    }
    return new YamlSource(text, parseDocument(text, { keepSourceTokens: true, uniqueKeys: false }), this.displayName);
  }

  private dataOf(source: YamlSource): unknown {
    return source.doc.toJS({ maxAliasCount: 100 });
  }

  private getIn(data: unknown, keys: readonly string[]): unknown {
    return keys.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), data);
  }

  private refuse(keys: readonly string[], why: string): WorkflowError {
    return new WorkflowError(`${this.displayName}: ${formatPath(keys) || 'the file'}: ${why}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A null value: `key:` with nothing after it, or `key: ~` / `key: null`. */
function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

/** `value` under the keys `keys`: `{a: {b: value}}` for `['a', 'b']`. */
function nest(keys: readonly string[], value: EditValue): EditValue {
  return keys.reduceRight<EditValue>((inner, key) => ({ [key]: inner }), value);
}

function setIn(data: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let at = data;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(at[key])) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}

function deleteIn(data: Record<string, unknown>, keys: readonly string[]): void {
  let at: unknown = data;
  for (const key of keys.slice(0, -1)) at = isObject(at) ? at[key] : undefined;
  if (isObject(at)) delete at[keys[keys.length - 1]];
}

/** Where two values first differ, as `field: expected X, got Y`. */
function firstDifference(expected: unknown, got: unknown, at: (string | number)[] = []): string {
  if (isObject(expected) && isObject(got)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(got)])) {
      if (!isDeepStrictEqual(expected[key], got[key])) return firstDifference(expected[key], got[key], [...at, key]);
    }
  }
  if (Array.isArray(expected) && Array.isArray(got) && expected.length === got.length) {
    const i = expected.findIndex((e, n) => !isDeepStrictEqual(e, got[n]));
    if (i >= 0) return firstDifference(expected[i], got[i], [...at, i]);
  }
  return `${formatPath(at) || 'the file'}: expected ${JSON.stringify(expected)?.slice(0, 80)}, got ${JSON.stringify(got)?.slice(0, 80)}`;
}
