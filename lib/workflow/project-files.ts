import * as fs from 'fs';
import * as path from 'path';
import { Document, isMap, isScalar, isSeq } from 'yaml';
import { EnvironmentConfig } from '../config/environment-config';
import { readInputText } from '../config/input-file';
import { InputError } from '../config/input-error';
import { parseInputYaml } from '../config/input-yaml';
import { displayPath, writeFileAtomic } from '../files';
import { WorkflowError } from './workflow-error';

/** One environment by name; the error lists the known ones. */
export function environmentNamed(envs: readonly EnvironmentConfig[], name: string): EnvironmentConfig {
  const env = envs.find((e) => e.name === name);
  if (!env) throw new WorkflowError(`unknown environment "${name}": one of ${envs.map((e) => e.name).join(', ')}`);
  return env;
}

/**
 * A YAML file edited in place: comments, key order and styles are kept, only
 * the values set change.
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
    return new EditableYaml(file, parsed.doc, { bom: read.text.startsWith('\ufeff'), crlf: read.text.includes('\r\n') });
  }

  private constructor(
    public readonly file: string,
    private readonly doc: Document,
    private readonly style: { readonly bom: boolean; readonly crlf: boolean } = { bom: false, crlf: false },
  ) {}

  /** Value at `keys`. */
  public get(keys: readonly string[]): unknown {
    return this.doc.getIn(keys);
  }

  /** Sets a scalar at `keys`. */
  public set(keys: readonly string[], value: string): void {
    this.doc.setIn(keys, value);
  }

  /** Sets `keys` to a mapping of strings (written in block style). */
  public setMapping(keys: readonly string[], value: Readonly<Record<string, string>>): void {
    this.doc.setIn(keys, this.doc.createNode({ ...value }));
  }

  /** Removes the entry at `keys`, and the mapping above it when that leaves it empty. */
  public delete(keys: readonly string[]): void {
    this.doc.deleteIn(keys);
    const parent = keys.slice(0, -1);
    const above = parent.length > 0 ? this.doc.getIn(parent, true) : undefined;
    if (isMap(above) && above.items.length === 0) this.doc.deleteIn(parent);
  }

  /** Removes every item equal to `value` from the sequence at `keys`, keeping its style. */
  public removeFromList(keys: readonly string[], value: string): void {
    const seq = this.doc.getIn(keys, true);
    if (!isSeq(seq)) throw new WorkflowError(`${this.file}: ${keys.join('.')} is not a list`);
    seq.items = seq.items.filter((item) => !(isScalar(item) && item.value === value));
  }

  /** Appends `value` to the sequence at `keys`, keeping its flow or block style (a missing one is made as `[value]`). */
  public append(keys: readonly string[], value: string): void {
    const seq = this.doc.getIn(keys, true);
    if (seq === undefined) {
      const made = this.doc.createNode([value], { flow: true });
      this.doc.setIn(keys, made);
      return;
    }
    if (!isSeq(seq)) throw new WorkflowError(`${this.file}: ${keys.join('.')} is not a list`);
    seq.add(this.doc.createNode(value));
  }

  /** The edited text. */
  public toString(): string {
    // `[a, b]` as people write it; the library's default pads flow lists to `[ a, b ]`.
    return this.doc.toString({ flowCollectionPadding: false });
  }

  /**
   * Writes the edited text back, in one step (a sibling file renamed over it, so a crash
   * leaves the old file or the new one, never half of it), with the file's byte order mark,
   * line endings and mode kept, so the diff shows only the values that changed.
   */
  public save(): void {
    const text = this.style.crlf ? this.toString().replace(/\r?\n/g, '\r\n') : this.toString();
    writeFileAtomic(this.file, (this.style.bom ? '\ufeff' : '') + text, { mode: fs.statSync(this.file).mode & 0o777 });
  }
}
