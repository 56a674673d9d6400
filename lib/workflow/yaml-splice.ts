import { CST, Document, isAlias, isCollection, isMap, isPair, isScalar, Node, Pair, visit, YAMLMap, YAMLSeq } from 'yaml';
import { aliasesOf, anchorUsedOutside, sharedAnchor } from './yaml-anchors';
import { EditValue, styleOf, YamlWriter } from './yaml-render';
import { WorkflowError } from './workflow-error';

/**
 * Edits of a YAML file that rewrite only the text of what changes: a scalar's own
 * characters, one inserted line, the lines of one removed entry. Everything else (comments,
 * blank lines, quoting, folding, flow style, anchors, key order, line endings, a byte order
 * mark) is left as the user wrote it. Each edit is computed on a document parsed with
 * `keepSourceTokens`, from its nodes' ranges and the CST tokens behind them; the caller
 * applies the splices, parses again and checks the data (see `EditableYaml`).
 */

/** One replacement in a text: the characters from `start` up to (not including) `end` become `text`. */
export interface Splice {
  /** First character replaced. */
  readonly start: number;
  /** First character kept after the replaced ones (`start` for an insertion). */
  readonly end: number;
  /** The new characters. */
  readonly text: string;
}

/** `text` with every splice applied; the splices must not overlap. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = text.length;
  for (const s of sorted) {
    if (s.start > s.end || s.end > limit) throw new Error(`overlapping splices at ${s.start}-${s.end} (a bug in the YAML editor)`);
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
    limit = s.start;
  }
  return out;
}

/**
 * The text of one YAML document and its parse (with `keepSourceTokens`), with the splices
 * that make each kind of edit. `where` names the file in errors.
 */
export class YamlSource {
  /** Writes new values in the file's line breaks and indentation. */
  private readonly write: YamlWriter;

  constructor(public readonly text: string, public readonly doc: Document.Parsed, private readonly where: string) {
    // New lines take the file's first line break, and its first nested block mapping's indentation (2 if none).
    const first = text.indexOf('\n');
    this.write = new YamlWriter(first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n', this.indentStep(), doc.schema);
  }

  /** The splice that sets a scalar, alias or empty value to `value`, in the style it had when `value` allows it. */
  public setScalar(node: Node | null, owner: Pair, parent: YAMLMap | YAMLSeq, value: string, field: string): Splice[] {
    const inFlow = parent.flow === true;
    if (node === null || (isScalar(node) && !node.srcToken)) {
      // `key:` with nothing after the colon: the value goes right after it.
      const at = this.colonEnd(owner) ?? node?.range?.[0];
      if (at === undefined) throw this.refuse(field, 'has an empty value the editor cannot place a new one in');
      return [{ start: at, end: at, text: ` ${this.write.scalar(value, { inFlow, indent: this.column(at), type: styleOf(parent) })}` }];
    }
    if (isAlias(node)) {
      this.refuseSharedAncestors(node, field);
      return [{ start: node.range![0], end: node.range![1], text: this.write.scalar(value, { inFlow, indent: this.column(node.range![0]), type: styleOf(parent) }) }];
    }
    if (!isScalar(node)) throw this.refuse(field, `is a ${isMap(node) ? 'mapping' : 'list'}; a single value is expected here`);
    this.refuseSharedAncestors(node, field, false);
    const token = node.srcToken!;
    const old = CST.stringify(token);
    if (this.text.slice(token.offset, token.offset + old.length) !== old) throw new Error(`${this.where}: ${field}: the source tokens do not match the text (a bug in the YAML editor)`);
    const copy = structuredClone(token);
    CST.setScalarValue(copy, value, { afterKey: !inFlow, inFlow });
    if (copy.type === 'scalar' && this.write.readAsOther(copy.source)) CST.setScalarValue(copy, value, { afterKey: !inFlow, inFlow, type: 'QUOTE_DOUBLE' });
    const splices: Splice[] = [{ start: token.offset, end: token.offset + old.length, text: this.write.withEol(CST.stringify(copy)) }];
    // Aliases of this value keep the old one: the anchor moves to the first of them, which takes the old text.
    const aliases = node.anchor ? aliasesOf(this.doc, node) : [];
    if (aliases.length > 0) {
      const oldValue = this.text.slice(node.range![0], node.range![1]);
      if (/[\r\n]/.test(oldValue)) throw this.refuse(field, `is anchored (&${node.anchor}) and repeated by *${node.anchor} on line ${this.lineOf(aliases[0].range![0])}, and spans lines: edit the file by hand`);
      splices.push({ start: aliases[0].range![0], end: aliases[0].range![1], text: `&${node.anchor} ${oldValue}` });
    }
    return splices;
  }

  /** The splice that adds `key: value` to `map`: one line (or one nested block) after its last entry, or one more pair in a flow mapping. */
  public insertEntry(map: YAMLMap, key: string, value: EditValue, field: string): Splice[] {
    this.refuseSharedAncestors(map, field);
    if (map.flow) {
      const last = map.items[map.items.length - 1];
      const entry = `${this.write.scalar(key, { inFlow: true, implicitKey: true, indent: 0 })}: ${this.write.flow(value)}`;
      if (!last) return [{ start: map.range![0] + 1, end: map.range![0] + 1, text: entry }];
      return [{ start: this.contentEnd(last), end: this.contentEnd(last), text: `${this.flowSeparator(map.items.map((p) => this.itemStart(p)), map.items.map((p) => this.contentEnd(p)))}${entry}` }];
    }
    const first = map.items[0];
    if (!first) throw this.refuse(field, 'is an empty block mapping, which YAML cannot hold');
    const indent = this.column(this.itemStart(first));
    return this.insertLines(this.contentEnd(map), this.write.block(key, value, indent, styleOf(map)));
  }

  /** The splice that writes `value` where `key:` has no value yet (`hotfixes:` alone on its line). */
  public fillEmpty(owner: Pair, parent: YAMLMap, value: EditValue, field: string): Splice[] {
    const node = owner.value as Node | null;
    if (typeof value === 'string') return this.setScalar(node, owner, parent, value, field);
    const colon = this.colonEnd(owner);
    if (colon === undefined) throw this.refuse(field, 'has an empty value the editor cannot place a new one in');
    // `key: ~` or `key: null`: the null's text goes (a flow value takes its place).
    const spelled = isScalar(node) && node.srcToken ? [node.range![0], node.range![1]] : undefined;
    if (Array.isArray(value) || parent.flow) {
      return spelled ? [{ start: spelled[0], end: spelled[1], text: this.write.flow(value) }] : [{ start: colon, end: colon, text: ` ${this.write.flow(value)}` }];
    }
    const indent = this.column(this.itemStart(owner)) + this.write.step;
    const lines = Object.entries(value).map(([k, v]) => this.write.block(k, v, indent, 'PLAIN')).join('');
    return [...(spelled ? [{ start: spelled[0], end: spelled[1], text: '' }] : []), ...this.insertLines(colon, lines)];
  }

  /** The splice that removes one entry of `map`: exactly its lines in a block mapping, the pair and one comma in a flow one. */
  public removeEntry(map: YAMLMap, pair: Pair, field: string): Splice[] {
    this.refuseSharedAncestors(map, field);
    this.refuseOutsideAliases(pair, field);
    if (map.flow) return [this.flowRemoval(map.items.indexOf(pair), map.items.map((p) => this.itemStart(p)), map.items.map((p) => this.contentEnd(p)))];
    const start = this.itemStart(pair);
    if (this.text.slice(this.lineStart(start), start).trim() !== '') throw this.refuse(field, 'shares its line with other YAML (a compact `- key: value` item): edit the file by hand');
    return [this.lineRemoval(this.lineStart(start), this.endOfLine(this.contentEnd(pair)))];
  }

  /** The splice that appends `value` to `seq`: one `- value` line in a block list, `, value` in a flow one. */
  public appendItem(seq: YAMLSeq, value: string, field: string): Splice[] {
    this.refuseSharedAncestors(seq, field);
    const items = seq.items as Node[];
    const last = items[items.length - 1];
    const scalar = (inFlow: boolean, indent: number) => this.write.scalar(value, { inFlow, indent, type: styleOf(seq) });
    if (seq.flow) {
      if (!last) return [{ start: seq.range![0] + 1, end: seq.range![0] + 1, text: scalar(true, 0) }];
      const end = this.contentEnd(last);
      return [{ start: end, end, text: `${this.flowSeparator(items.map((i) => this.itemStart(i)), items.map((i) => this.contentEnd(i)))}${scalar(true, 0)}` }];
    }
    const dash = this.dashOf(last, field);
    return this.insertLines(this.contentEnd(seq), `${' '.repeat(dash)}- ${scalar(false, dash)}${this.write.eol}`);
  }

  /**
   * The splice that removes one item of `seq`: its line in a block list (the last one leaves
   * `key: []`), the item and one comma in a flow one. `owner` is the entry holding the list.
   */
  public removeItem(seq: YAMLSeq, item: Node, owner: Pair | undefined, field: string): Splice[] {
    this.refuseSharedAncestors(seq, field);
    this.refuseOutsideAliases(item, field);
    const items = seq.items as Node[];
    if (seq.flow) return [this.flowRemoval(items.indexOf(item), items.map((i) => this.itemStart(i)), items.map((i) => this.contentEnd(i)))];
    this.dashOf(item, field);
    const lines = this.lineRemoval(this.lineStart(this.itemStart(item)), this.endOfLine(this.contentEnd(item)));
    if (items.length > 1) return [lines];
    // An empty list is `[]`, written after the colon (and any anchor or tag) of the entry that holds it.
    const at = owner && this.propsEnd(owner);
    if (at === undefined) throw this.refuse(field, 'would be left an empty block list outside a mapping entry: edit the file by hand');
    return [{ start: at, end: at, text: ' []' }, lines];
  }

  /** Column of offset `at`: characters since the start of its line (a byte order mark is no column). */
  public column(at: number): number {
    return at - this.lineStart(at);
  }

  /** 1-based line of offset `at`. */
  public lineOf(at: number): number {
    let line = 1;
    for (let i = this.text.indexOf('\n'); i >= 0 && i < at; i = this.text.indexOf('\n', i + 1)) line++;
    return line;
  }

  private lineStart(at: number): number {
    const start = this.text.lastIndexOf('\n', at - 1) + 1;
    return start === 0 && this.text.startsWith('\ufeff') ? 1 : start;
  }

  /** The offset after the line break ending the line of the character before `at` (`at` itself at a line start). */
  private endOfLine(at: number): number {
    if (at > 0 && this.text[at - 1] === '\n') return at;
    const next = this.text.indexOf('\n', at);
    return next < 0 ? this.text.length : next + 1;
  }

  /** Inserts whole lines after the line holding the character before `at`; at a last line without a line break, one is added before them. */
  private insertLines(at: number, lines: string): Splice[] {
    const pos = this.endOfLine(at);
    if (pos === this.text.length && !this.text.endsWith('\n')) {
      return [{ start: pos, end: pos, text: this.write.eol + lines.slice(0, lines.length - this.write.eol.length) }];
    }
    return [{ start: pos, end: pos, text: lines }];
  }

  /** Removes whole lines; at the end of a file without a last line break, the break before them goes instead, so none is added. */
  private lineRemoval(start: number, end: number): Splice {
    if (end === this.text.length && !this.text.endsWith('\n') && start > 0) {
      const before = this.text[start - 2] === '\r' ? start - 2 : start - 1;
      return { start: before, end, text: '' };
    }
    return { start, end, text: '' };
  }

  /** Where a value's text ends: its last scalar, alias or flow collection (not the comments after a block collection). */
  private contentEnd(node: Node | Pair): number {
    if (isPair(node)) {
      const value = node.value as Node | null;
      return value?.range ? Math.max(this.contentEnd(value), (node.key as Node).range![1]) : (node.key as Node).range![1];
    }
    if (isCollection(node) && !node.flow) {
      const last = node.items[node.items.length - 1] as Node | Pair | undefined;
      if (last) return this.contentEnd(last);
    }
    return node.range![1];
  }

  /** Where an item starts, its anchor and tag included. */
  private itemStart(node: Node | Pair): number {
    let start = isPair(node) ? (node.key as Node).range![0] : node.range![0];
    for (;;) {
      let end = start;
      while (end > 0 && (this.text[end - 1] === ' ' || this.text[end - 1] === '\t')) end--;
      let word = end;
      while (word > 0 && !/[\s,[\]{}]/.test(this.text[word - 1])) word--;
      if (word < end && /^[&!]/.test(this.text.slice(word, end))) start = word;
      else return start;
    }
  }

  /** The column of the `-` of a block list item, which must start its line. */
  private dashOf(item: Node | undefined, field: string): number {
    const start = item ? this.itemStart(item) : -1;
    const before = item ? this.text.slice(this.lineStart(start), start) : '';
    const dash = /^([ \t]*)-[ \t]/.exec(before);
    if (!dash) throw this.refuse(field, 'is a block list whose items do not start their lines: edit the file by hand');
    return dash[1].length;
  }

  /** After the `:` of a block entry and any anchor or tag on the same line. */
  private propsEnd(pair: Pair): number | undefined {
    const sep = pair.srcToken?.sep ?? [];
    let end: number | undefined;
    for (const t of sep) {
      if (t.type === 'newline' || t.type === 'comment') break;
      if (t.type === 'map-value-ind' || t.type === 'anchor' || t.type === 'tag') end = t.offset + t.source.length;
    }
    return end;
  }

  private colonEnd(pair: Pair): number | undefined {
    const colon = pair.srcToken?.sep?.find((t) => t.type === 'map-value-ind');
    return colon ? colon.offset + 1 : undefined;
  }

  /** What separates the items of a flow collection: the text between its last two, else `, `. */
  private flowSeparator(starts: readonly number[], ends: readonly number[]): string {
    const n = starts.length;
    const between = n >= 2 ? this.text.slice(ends[n - 2], starts[n - 1]) : '';
    return /^[ \t]*,[ \t]*$/.test(between) ? between : ', ';
  }

  /** Removes item `i` of a flow collection with the comma after it (the one before it, for the last). */
  private flowRemoval(i: number, starts: readonly number[], ends: readonly number[]): Splice {
    if (starts.length === 1) return { start: starts[0], end: ends[0], text: '' };
    if (i < starts.length - 1) return { start: starts[i], end: starts[i + 1], text: '' };
    return { start: ends[i - 1], end: ends[i], text: '' };
  }

  /** Refuses an edit inside an anchored collection that an alias repeats: both would change. */
  private refuseSharedAncestors(node: Node, field: string, self = true): void {
    const shared = sharedAnchor(this.doc, node, self);
    if (shared) throw this.refuse(field, `is inside &${shared.anchor}, which *${shared.anchor} repeats on line ${this.lineOf(shared.alias.range![0])}: an edit here would change both; edit the file by hand`);
  }

  /** Refuses removing an anchor that an alias outside the removed text still uses. */
  private refuseOutsideAliases(removed: Node | Pair, field: string): void {
    const used = anchorUsedOutside(this.doc, removed, this.itemStart(removed), this.contentEnd(removed));
    if (used) throw this.refuse(field, `holds &${used.anchor}, which *${used.anchor} on line ${this.lineOf(used.alias.range![0])} still uses: edit the file by hand`);
  }

  private indentStep(): number {
    let step = 0;
    visit(this.doc, {
      Map: (_, map) => {
        const first = map.items[0];
        const col = !map.flow && first ? this.column(this.itemStart(first)) : 0;
        if (col > 0 && (step === 0 || col < step)) step = col;
      },
    });
    return step || 2;
  }

  private refuse(field: string, why: string): WorkflowError {
    return new WorkflowError(`${this.where}: ${field}: ${why}`);
  }
}

