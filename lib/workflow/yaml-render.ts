import { CST, isPair, isScalar, Scalar, Schema, YAMLMap, YAMLSeq } from 'yaml';

/**
 * The text of values an in-place edit adds to a YAML file (see yaml-splice.ts): scalars in the
 * style asked for when they read back as the same string, block entries at a given
 * indentation, flow collections written as people write them (`[a, b]`, `{k: v}`).
 */

/** A value an edit writes: one text, a list of texts, or a mapping of such values. */
export type EditValue = string | readonly string[] | { readonly [key: string]: EditValue };

/** Writes new YAML text in one file's line breaks and indentation, read back with its schema. */
export class YamlWriter {
  /**
   * @param eol the file's line break (`\n` or `\r\n`)
   * @param step columns one nesting level indents by in the file
   * @param schema the schema the file is read with, which says when a plain scalar would not read as a string
   */
  constructor(public readonly eol: string, public readonly step: number, private readonly schema: Schema) {}

  /** `key: value` as block lines at `indent`: a scalar or a flow list on the key's line, a mapping below it. */
  public block(key: string, value: EditValue, indent: number, style: Scalar.Type): string {
    const pad = ' '.repeat(indent);
    const k = this.scalar(key, { inFlow: false, implicitKey: true, indent });
    if (typeof value === 'string') return `${pad}${k}: ${this.scalar(value, { inFlow: false, indent, type: style })}${this.eol}`;
    if (Array.isArray(value)) return `${pad}${k}: ${this.flow(value)}${this.eol}`;
    const nested = Object.entries(value as Record<string, EditValue>).map(([nk, nv]) => this.block(nk, nv, indent + this.step, 'PLAIN'));
    return `${pad}${k}:${this.eol}${nested.join('')}`;
  }

  /** A value in flow style: `[a, b]`, `{k: v}`, or one scalar. */
  public flow(value: EditValue): string {
    if (typeof value === 'string') return this.scalar(value, { inFlow: true, indent: 0 });
    if (Array.isArray(value)) return `[${value.map((v) => this.flow(v)).join(', ')}]`;
    return `{${Object.entries(value as Record<string, EditValue>).map(([k, v]) => `${this.scalar(k, { inFlow: true, implicitKey: true, indent: 0 })}: ${this.flow(v)}`).join(', ')}}`;
  }

  /** One string as a YAML scalar of `type` (plain by default), quoted when that type would read back as something else. */
  public scalar(value: string, context: { inFlow: boolean; indent: number; implicitKey?: boolean; type?: Scalar.Type }): string {
    const make = (type: Scalar.Type) => CST.createScalarToken(value, { ...context, type, end: [] });
    let token = make(context.type ?? 'PLAIN');
    // The CST helpers know no schema: a plain `1.10` or `true` would read back as a number or a boolean.
    if (token.type === 'scalar' && this.readAsOther(token.source)) token = make('QUOTE_DOUBLE');
    return this.withEol(CST.stringify(token));
  }

  /** Whether a plain scalar with this source is read as something other than a string (a number, boolean, null). */
  public readAsOther(source: string): boolean {
    const { tags, compat } = this.schema;
    return [...tags, ...(compat ?? [])].some((t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && 'test' in t && t.test?.test(source) === true);
  }

  /** `text` with the file's line breaks. */
  public withEol(text: string): string {
    return this.eol === '\n' ? text : text.replace(/\r?\n/g, this.eol);
  }
}

/** The style the string values of a collection are written in, by its last one (plain when none is quoted). */
export function styleOf(collection: YAMLMap | YAMLSeq): Scalar.Type {
  const values = (collection.items as unknown[]).map((i) => (isPair(i) ? i.value : i));
  const last = values.filter((v): v is Scalar => isScalar(v) && typeof v.value === 'string' && !!v.srcToken).pop();
  return last?.type === 'QUOTE_DOUBLE' || last?.type === 'QUOTE_SINGLE' ? last.type : 'PLAIN';
}
