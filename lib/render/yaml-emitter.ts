import { stringify } from 'yaml';

/** The `yaml` options every manifest is written with (see toYaml). */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: true } as const;

/**
 * A block-style YAML emitter for JSON data that writes exactly what `yaml.stringify(value,
 * YAML_OPTIONS)` writes, 10-20 times faster. The structure (maps, sequences, indentation, empty
 * collections, `undefined` left out of maps and `null` in sequences) is written here; every
 * scalar that is not plainly safe is written by `yaml` itself, so no quoting rule of `yaml` is
 * re-implemented: a string goes out plain only when it matches a pattern `yaml` provably writes
 * plain, anything else (quoted, block literal) is `yaml`'s own text for it, memoized. A key that
 * is not plainly safe, a top-level scalar or a value that is not JSON data (a Date, a Map, a
 * bigint) sends the whole value to `yaml`. The tests compare both on every rendered file and on
 * generated values.
 */
export function emitYaml(value: unknown): string {
  try {
    if (isPlainObject(value)) {
      const body = blockMap(value, 0);
      return body === '' ? '{}\n' : body;
    }
    if (Array.isArray(value)) return value.length === 0 ? '[]\n' : blockSeq(value, 0);
  } catch (e) {
    if (e !== NOT_MINE) throw e;
  }
  return stringify(value, YAML_OPTIONS);
}

/** Thrown to hand the whole value to `yaml`. */
const NOT_MINE = Symbol('not-mine');

function blockMap(map: Record<string, unknown>, indent: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (value === undefined) continue;
    if (!isPlainSafe(key)) throw NOT_MINE;
    out += `${pad}${key}:${afterKey(value, indent)}`;
  }
  return out;
}

function afterKey(value: unknown, indent: number): string {
  if (value === null) return ' null\n';
  if (Array.isArray(value)) return value.length === 0 ? ' []\n' : `\n${blockSeq(value, indent + 2)}`;
  if (isPlainObject(value)) {
    const body = blockMap(value, indent + 2);
    return body === '' ? ' {}\n' : `\n${body}`;
  }
  return ` ${scalar(value, indent)}\n`;
}

function blockSeq(items: readonly unknown[], indent: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  for (const item of items) {
    if (item === null || item === undefined) {
      out += `${pad}- null\n`;
    } else if (Array.isArray(item)) {
      out += item.length === 0 ? `${pad}- []\n` : `${pad}- ${blockSeq(item, indent + 2).slice(indent + 2)}`;
    } else if (isPlainObject(item)) {
      const body = blockMap(item, indent + 2);
      out += body === '' ? `${pad}- {}\n` : `${pad}- ${body.slice(indent + 2)}`;
    } else {
      out += `${pad}- ${scalar(item, indent)}\n`;
    }
  }
  return out;
}

/** A scalar after `key: ` or `- ` on a line indented by `indent`. */
function scalar(value: unknown, indent: number): string {
  switch (typeof value) {
    case 'string': {
      if (isPlainSafe(value)) return value;
      const text = yamlScalar(value);
      // yaml's text is for a key at column 0 (block content indented by 2): shift its later lines.
      return indent === 0 || !text.includes('\n') ? text : text.replace(/\n(?=[^\n])/g, `\n${' '.repeat(indent)}`);
    }
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : yamlScalar(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      throw NOT_MINE;
  }
}

const scalars = new Map<unknown, string>();

/** yaml's own text for a scalar as a map value at column 0, without `k: ` and the final newline (memoized). */
function yamlScalar(value: string | number): string {
  let text = scalars.get(value);
  if (text === undefined) {
    text = stringify({ k: value }, YAML_OPTIONS).slice(3, -1);
    if (scalars.size >= 50_000) scalars.clear(); // bounded: unique strings of a large project must not pile up
    scalars.set(value, text);
  }
  return text;
}

/*
 * Strings yaml writes plain, as a key or a value: a letter or `/` first; then letters, digits and
 * `. _ / - + = @ , ( ) ~`, a `:` not followed by a space or the end, single spaces not before `#`
 * or after `:`; never a word the core schema reads as a boolean or null. Anything else goes to
 * yaml (numbers-like, `-`-led, quotes, `#`, `!`, `&`, `*`, `%`, `{[`, tabs, newlines, unicode).
 */
const PLAIN = /^[A-Za-z/](?:[A-Za-z0-9._/+=@,()~-]|:(?=[^\s])| (?=[^\s#]))*$/;
const RESERVED = /^(?:true|True|TRUE|false|False|FALSE|null|Null|NULL)$/;

function isPlainSafe(s: string): boolean {
  return PLAIN.test(s) && !RESERVED.test(s) && !s.includes(': ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
